// A proxy in front of the Razorpay emulator that forwards every request and can hold back the answers of one route:
// Razorpay has done the work (the order exists) but the service has not heard of it yet. A test waits for that moment
// as an event (`whenHeld`), acts (kills the process, sends a duplicate, aborts the client), then lets the answers go.
// Unlike an emulator `latency` fault, which delays before the handler, nothing here races a timer.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import type { TestContext } from '../helper.js'

export interface AnswerGate {
  /** Point RAZORPAY_API_URL here. */
  readonly url: string
  /**
   * Resolves once `count` answers of the route have been held in all (counted since the gate started); rejects after
   * `timeoutMs`, a deadline for reporting a test that went wrong, not a budget a passing test races.
   */
  whenHeld (count?: number, timeoutMs?: number): Promise<void>
  /** Answers held and not yet released. */
  held (): number
  /** Sends every held answer on and lets later ones through. */
  release (): void
}

const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host', 'upgrade'])

/** `route` is 'METHOD /path', the path without its query, e.g. 'POST /v1/orders'. Closed in teardown. */
export async function answerGate (t: TestContext, upstream: string, route: string): Promise<AnswerGate> {
  let open = false
  let heldSoFar = 0
  const waiting: Array<() => void> = []
  const waiters: Array<{ count: number, resolve: () => void }> = []

  async function forward (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers)) {
      if (!hopByHop.has(name) && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
    }
    const answer = await request(`${upstream}${req.url ?? '/'}`, {
      method: req.method as 'POST',
      headers,
      body: chunks.length === 0 ? undefined : Buffer.concat(chunks)
    })
    const body = Buffer.from(await answer.body.arrayBuffer())
    const path = new URL(req.url ?? '/', 'http://gate').pathname
    if (!open && `${req.method ?? ''} ${path}` === route) {
      heldSoFar++
      for (const waiter of waiters.filter(w => w.count <= heldSoFar)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
      await new Promise<void>(resolve => waiting.push(resolve))
    }
    if (res.destroyed) return // the caller is gone (killed, aborted): it never hears the answer
    const out: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(answer.headers)) {
      if (!hopByHop.has(name) && value !== undefined) out[name] = value
    }
    res.writeHead(answer.statusCode, { ...out, 'content-length': String(body.length) })
    res.end(body)
  }

  const server = createServer((req, res) => {
    forward(req, res).catch(err => {
      if (!res.headersSent && !res.destroyed) res.writeHead(502).end(String(err))
      else res.destroy()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const gate: AnswerGate = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async whenHeld (count = 1, timeoutMs = 30_000) {
      if (heldSoFar >= count) return
      let timer: NodeJS.Timeout | undefined
      try {
        await new Promise<void>((resolve, reject) => {
          waiters.push({ count, resolve })
          timer = setTimeout(() => reject(new Error(`${heldSoFar} of ${count} answers of ${route} held after ${timeoutMs} ms`)), timeoutMs)
        })
      } finally {
        clearTimeout(timer)
      }
    },
    held: () => waiting.length,
    release () {
      open = true
      for (const resolve of waiting.splice(0)) resolve()
    }
  }
  t.teardown(async () => {
    gate.release()
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  })
  return gate
}
