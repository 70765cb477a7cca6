// A small in-memory Redis for the embedded store: the keyspace, millisecond TTLs (lazy expiry on access
// plus a bounded incremental sweep) and command dispatch with Redis' arity and unknown-command errors.
import { hashCommands } from './hash-commands.js'
import { keyCommands } from './key-commands.js'
import { errors, replyError, type Reply } from './replies.js'
import { setCommands } from './set-commands.js'
import { streamCommands, type Stream } from './stream-commands.js'
import { stringCommands } from './string-commands.js'
import { zsetCommands, type SortedSet } from './zset-commands.js'

export type Entry =
  | { type: 'string', value: string }
  | { type: 'hash', value: Map<string, string> }
  | { type: 'set', value: Set<string> }
  | { type: 'zset', value: SortedSet }
  | { type: 'stream', value: Stream }

export type EntryType = Entry['type']
export type EntryOf<T extends EntryType> = Extract<Entry, { type: T }>

export interface Command {
  /** Redis' convention: n > 0 means exactly n words (name included), n < 0 at least -n. */
  readonly arity: number
  run (db: MiniRedis, argv: string[]): Reply
}

export type CommandTable = Record<string, Command>

const commands: ReadonlyMap<string, Command> = new Map(Object.entries({
  ...keyCommands, ...stringCommands, ...hashCommands, ...setCommands, ...zsetCommands, ...streamCommands
}))

export interface MiniRedisOptions {
  /** Milliseconds since the epoch; every TTL, TIME and stream id reads it. */
  now: () => number
  /** Delivers a PUBLISH (later, never inside the running command) and says how many subscribers got it. */
  publish: (channel: string, message: string) => number
}

export class MiniRedis {
  readonly publish: (channel: string, message: string) => number
  readonly #clock: () => number
  readonly #data = new Map<string, Entry>()
  /** Absolute expiry times (ms) of the keys that have one. */
  readonly #expires = new Map<string, number>()
  #sweepCursor: Iterator<[string, number]> | undefined
  #frozenNow: number | undefined

  constructor (options: MiniRedisOptions) {
    this.#clock = options.now
    this.publish = options.publish
  }

  /** Runs one command; `argv` holds binary strings. Throws a ReplyError for anything Redis would refuse. */
  execute (argv: string[], fromScript: boolean): Reply {
    const name = argv[0]
    const command = commands.get(name.toLowerCase())
    if (command === undefined) {
      if (fromScript) throw replyError('ERR Unknown Redis command called from script')
      const shown = argv.slice(1).map(arg => `'${arg.slice(0, 128)}' `).join('')
      throw replyError(`ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${shown}`)
    }
    if (command.arity > 0 ? argv.length !== command.arity : argv.length < -command.arity) {
      if (fromScript) throw replyError('ERR Wrong number of args calling Redis command from script')
      throw errors.arity(name.toLowerCase())
    }
    return command.run(this, argv)
  }

  /** Redis keeps one clock reading for a whole script, so no key expires halfway through it. */
  withFrozenClock<T> (run: () => T): T {
    this.#frozenNow = this.#clock()
    try {
      return run()
    } finally {
      this.#frozenNow = undefined
    }
  }

  now (): number {
    return this.#frozenNow ?? this.#clock()
  }

  /** The live entry at `key` (an expired one is deleted first, as Redis does on access). */
  get (key: string): Entry | undefined {
    const when = this.#expires.get(key)
    if (when !== undefined && when < this.now()) this.delete(key)
    return this.#data.get(key)
  }

  /** The entry if it has `type`; undefined if missing; WRONGTYPE otherwise. */
  getTyped<T extends EntryType> (key: string, type: T): EntryOf<T> | undefined {
    const entry = this.get(key)
    if (entry === undefined) return undefined
    if (entry.type !== type) throw errors.wrongType()
    return entry as EntryOf<T>
  }

  /** The entry of `type`, created empty (without TTL) when missing. */
  getOrCreate<T extends EntryType> (key: string, type: T, create: () => EntryOf<T>['value']): EntryOf<T> {
    const existing = this.getTyped(key, type)
    if (existing !== undefined) return existing
    const entry = { type, value: create() } as unknown as EntryOf<T>
    this.#data.set(key, entry)
    return entry
  }

  /** Stores `entry` at `key`, dropping the old TTL unless `keepTtl`. */
  set (key: string, entry: Entry, keepTtl = false): void {
    if (!keepTtl) this.#expires.delete(key)
    this.#data.set(key, entry)
  }

  delete (key: string): boolean {
    this.#expires.delete(key)
    return this.#data.delete(key)
  }

  /** Collections that become empty disappear, as in Redis (streams excepted). */
  deleteIfEmpty (key: string, size: number): void {
    if (size === 0) this.delete(key)
  }

  expireAt (key: string): number | undefined {
    return this.get(key) === undefined ? undefined : this.#expires.get(key)
  }

  /** Sets an absolute expiry; one already in the past deletes the key right away, as Redis does. */
  setExpireAt (key: string, when: number): void {
    if (when <= this.now()) this.delete(key)
    else this.#expires.set(key, when)
  }

  persist (key: string): boolean {
    return this.#expires.delete(key)
  }

  flush (): void {
    this.#data.clear()
    this.#expires.clear()
    this.#sweepCursor = undefined
  }

  /** Live keys (DBSIZE): expired ones are purged first. */
  size (): number {
    const now = this.now()
    for (const [key, when] of this.#expires) if (when < now) this.delete(key)
    return this.#data.size
  }

  /**
   * One step of the background expiry: checks at most `maxChecks` keys that carry a TTL, resuming where
   * the previous step stopped, and deletes the expired ones. Returns how many it deleted.
   */
  sweep (maxChecks: number): number {
    const now = this.now()
    let removed = 0
    for (let checked = 0; checked < maxChecks; checked++) {
      this.#sweepCursor ??= this.#expires.entries()
      const next = this.#sweepCursor.next()
      if (next.done === true) {
        this.#sweepCursor = undefined
        break
      }
      const [key, when] = next.value
      if (when < now) {
        this.delete(key)
        removed++
      }
    }
    return removed
  }

  /** What is held in memory, expired or not: for bounds checks in tests and diagnostics. */
  stats (): { keys: number, expires: number } {
    return { keys: this.#data.size, expires: this.#expires.size }
  }
}
