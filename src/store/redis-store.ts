// The Store over ioredis: a single Redis (or Sentinel) or a Redis Cluster. Scripts run by EVALSHA
// and fall back to EVAL once per node that has not cached them yet.
import { Cluster, Redis, ReplyError } from 'ioredis'
import {
  StoreUnavailableError,
  type MessageListener, type Store, type StoreArgument, type StoreReply, type StoreScript
} from './store.js'

/** Reply errors that mean "the store cannot serve right now", not "the command was wrong". */
const unavailableReplies = /^(LOADING|CLUSTERDOWN|READONLY|MASTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/

function isUnavailable (err: unknown): boolean {
  if (err instanceof ReplyError) return unavailableReplies.test((err as Error).message)
  // A malformed call fails inside the client before anything is sent: a bug, not an outage.
  if (err instanceof TypeError || err instanceof RangeError) return false
  return true
}

function toStoreError (err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err
  return new StoreUnavailableError(`store unreachable: ${(err as Error)?.message ?? String(err)}`, { cause: err })
}

/** ioredis turns some replies (HGETALL) into objects even through `call`; the Store answers as Redis does. */
function flatReply (reply: unknown): StoreReply {
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply) || Buffer.isBuffer(reply)) return reply as StoreReply
  return Object.entries(reply as Record<string, string>).flat()
}

export class RedisStore implements Store {
  readonly kind: 'redis' | 'cluster'
  readonly client: Redis | Cluster
  #subscriber: Redis | Cluster | undefined
  readonly #listeners = new Map<string, Set<MessageListener>>()

  constructor (client: Redis | Cluster) {
    this.client = client
    this.kind = client instanceof Cluster ? 'cluster' : 'redis'
  }

  async eval (script: StoreScript, keys: string[], args: StoreArgument[]): Promise<StoreReply> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args) as StoreReply
    } catch (err) {
      if (!(err instanceof ReplyError) || !(err as Error).message.startsWith('NOSCRIPT')) throw toStoreError(err)
    }
    try {
      return await this.client.eval(script.source, keys.length, ...keys, ...args) as StoreReply
    } catch (err) {
      throw toStoreError(err)
    }
  }

  async command (name: string, args: StoreArgument[]): Promise<StoreReply> {
    try {
      return flatReply(await this.client.call(name, ...args))
    } catch (err) {
      throw toStoreError(err)
    }
  }

  async subscribe (channel: string, listener: MessageListener): Promise<() => Promise<void>> {
    const subscriber = this.#subscriberConnection()
    let listeners = this.#listeners.get(channel)
    if (listeners === undefined) {
      listeners = new Set()
      this.#listeners.set(channel, listeners)
      try {
        await subscriber.subscribe(channel)
      } catch (err) {
        this.#listeners.delete(channel)
        throw toStoreError(err)
      }
    }
    listeners.add(listener)
    return async () => {
      const current = this.#listeners.get(channel)
      if (current === undefined || !current.delete(listener) || current.size > 0) return
      this.#listeners.delete(channel)
      await subscriber.unsubscribe(channel).catch(() => {})
    }
  }

  async ping (): Promise<void> {
    await this.command('ping', [])
  }

  async close (): Promise<void> {
    const subscriber = this.#subscriber
    this.#subscriber = undefined
    this.#listeners.clear()
    if (subscriber !== undefined) await subscriber.quit().catch(() => subscriber.disconnect())
  }

  /** Pub/sub needs a connection of its own; it is opened on first use and resubscribes after reconnects. */
  #subscriberConnection (): Redis | Cluster {
    if (this.#subscriber === undefined) {
      // The offline queue lets SUBSCRIBE wait for the duplicate's first connection.
      const subscriber = this.client instanceof Cluster
        ? this.client.duplicate(undefined, { enableOfflineQueue: true })
        : this.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: 1 })
      subscriber.on('error', () => {})
      subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.#listeners.get(channel) ?? []) listener(message)
      })
      this.#subscriber = subscriber
    }
    return this.#subscriber
  }
}
