// Fault injection for the /v1 routes: added latency, a substituted status, a request that never gets
// an answer, or a reset connection; each rule fires with a probability and at most `count` times.
import type { Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { faultStatusError, gatewayHtml } from './errors.js'

export type FaultKind = 'latency' | 'status' | 'hang' | 'reset'

export interface FaultRuleInput {
  route: string
  kind: FaultKind
  latencyMs?: number
  status?: number
  rate?: number
  count?: number
}

interface FaultRule {
  id: string
  route: string
  kind: FaultKind
  latencyMs: number
  status: number
  rate: number
  remaining: number
}

export class FaultInjector {
  private rules: FaultRule[] = []
  private nextId = 1
  private readonly held = new Set<Socket>()
  private readonly closing = new AbortController()

  add (input: FaultRuleInput): string {
    const id = `fault_${this.nextId++}`
    this.rules.push({
      id,
      route: input.route,
      kind: input.kind,
      latencyMs: input.latencyMs ?? 0,
      status: input.status ?? 500,
      rate: input.rate ?? 1,
      remaining: input.count ?? Infinity
    })
    return id
  }

  clear (): void {
    this.rules = []
  }

  /** Frees every socket a `hang` rule holds and cuts injected latency short. */
  close (): void {
    this.closing.abort()
    for (const socket of this.held) socket.destroy()
    this.held.clear()
  }

  /** The first rule of the request's route that fires, if any; spends one of its `count`. */
  private pick (route: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.route !== route || rule.remaining <= 0) continue
      if (rule.rate < 1 && Math.random() >= rule.rate) continue
      rule.remaining--
      if (rule.remaining <= 0) this.rules = this.rules.filter((other) => other !== rule)
      return rule
    }
    return undefined
  }

  /**
   * An onRequest hook: runs before auth and body parsing, so a faulted request creates nothing.
   * Resolves to the reply when the fault answered (or hijacked) the request.
   */
  async apply (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (this.rules.length === 0 || request.routeOptions.url === undefined) return undefined
    const rule = this.pick(`${request.method} ${request.routeOptions.url}`)
    if (rule === undefined) return undefined
    switch (rule.kind) {
      case 'latency':
        try {
          await sleep(rule.latencyMs, undefined, { signal: this.closing.signal })
          return undefined
        } catch {
          return this.drop(request, reply, false)
        }
      case 'status':
        if (rule.status >= 500) {
          return reply.code(rule.status).type('text/html').send(gatewayHtml(rule.status))
        }
        return reply.code(rule.status).send(faultStatusError(rule.status).toJSON())
      case 'hang':
        if (this.closing.signal.aborted) return this.drop(request, reply, false)
        reply.hijack()
        this.hold(request.raw.socket)
        return reply
      case 'reset':
        return this.drop(request, reply, true)
    }
  }

  private hold (socket: Socket): void {
    this.held.add(socket)
    socket.once('close', () => this.held.delete(socket))
  }

  private drop (request: FastifyRequest, reply: FastifyReply, reset: boolean): FastifyReply {
    reply.hijack()
    const socket = request.raw.socket
    // A TCP RST where the platform allows it: what a client sees when a load balancer drops it.
    if (reset && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
    else socket.destroy()
    return reply
  }
}
