// The one interface the service uses to reach its store: a real Redis (single, Sentinel, Cluster)
// or the embedded in-process store. Every atomic operation is a Lua script run by `eval`.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** A Lua script loaded once at start; `sha` lets Redis run it by EVALSHA. */
export interface StoreScript {
  readonly name: string
  readonly source: string
  readonly sha: string
}

export type StoreArgument = string | number | Buffer

/** Replies follow Redis' Lua conversion: integers are numbers, bulk strings are strings, nil is null. */
export type StoreReply = string | number | null | StoreReply[]

export type MessageListener = (message: string) => void

export interface Store {
  readonly kind: 'redis' | 'cluster' | 'embedded'
  /** Runs a script atomically. Every key it touches must be passed in `keys` and share one hash slot. */
  eval (script: StoreScript, keys: string[], args: StoreArgument[]): Promise<StoreReply>
  /** Runs one Redis command (for example `get`, `hgetall`, `xadd`) on the node owning its key. */
  command (name: string, args: StoreArgument[]): Promise<StoreReply>
  /** Subscribes to a pub/sub channel; the returned function unsubscribes. */
  subscribe (channel: string, listener: MessageListener): Promise<() => Promise<void>>
  /** Resolves when the store answers; rejects when it is unreachable. */
  ping (): Promise<void>
  close (): Promise<void>
}

/** Loads a `.lua` file that sits next to the module owning it. */
export function defineScript (name: string, url: URL): StoreScript {
  const source = readFileSync(url, 'utf8')
  return { name, source, sha: createHash('sha1').update(source).digest('hex') }
}

/** The error every store implementation throws when it cannot be reached or does not answer in time. */
export class StoreUnavailableError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreUnavailableError'
  }
}
