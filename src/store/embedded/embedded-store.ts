// The Store for development without Redis: the service's own Lua scripts run in-process on fengari over a
// mini Redis with the same semantics. One process only: nothing is shared between instances or persisted.
import {
  StoreUnavailableError,
  type MessageListener, type Store, type StoreArgument, type StoreReply, type StoreScript
} from '../store.js'
import { hashSlot } from './hash-slot.js'
import { LuaRuntime } from './lua-runtime.js'
import { MiniRedis } from './mini-redis.js'
import { OK, Status, fromBinary, option, parseInteger, replyError, toBinary, type Reply } from './replies.js'

export interface EmbeddedStoreOptions {
  /** Clock in milliseconds since the epoch (default Date.now): TTLs, TIME and stream ids follow it. */
  now?: () => number
  /** How often the background sweep looks for expired keys (default 100 ms). */
  sweepIntervalMs?: number
  /** Keys with a TTL checked per sweep tick (default 200), so a tick stays short whatever the key count. */
  sweepBatch?: number
  /** Wall-clock budget of one script before it is stopped (default 5000 ms, Redis' busy-script threshold). */
  scriptTimeLimitMs?: number
}

export class EmbeddedStore implements Store {
  readonly kind = 'embedded' as const
  readonly #redis: MiniRedis
  readonly #lua: LuaRuntime
  readonly #channels = new Map<string, Set<MessageListener>>()
  readonly #sweepTimer: NodeJS.Timeout
  #closed = false

  constructor (options: EmbeddedStoreOptions = {}) {
    this.#redis = new MiniRedis({ now: options.now ?? Date.now, publish: (channel, message) => this.#publish(channel, message) })
    this.#lua = new LuaRuntime({ execute: argv => this.#redis.execute(argv, true), timeLimitMs: options.scriptTimeLimitMs })
    const batch = options.sweepBatch ?? 200
    this.#sweepTimer = setInterval(() => this.#redis.sweep(batch), options.sweepIntervalMs ?? 100)
    this.#sweepTimer.unref()
  }

  async eval (script: StoreScript, keys: string[], args: StoreArgument[]): Promise<StoreReply> {
    this.#assertOpen()
    return this.#reply(() => this.#runScript(script.sha, () => toBinary(script.source), keys.map(toBinary), args.map(toBinary)))
  }

  async command (name: string, args: StoreArgument[]): Promise<StoreReply> {
    this.#assertOpen()
    const argv = [name, ...args].map(toBinary)
    return this.#reply(() => {
      const command = argv[0].toLowerCase()
      if (command === 'eval' || command === 'evalsha') return this.#evalCommand(command, argv)
      if (command === 'script') return this.#scriptCommand(argv)
      return this.#redis.execute(argv, false)
    })
  }

  async subscribe (channel: string, listener: MessageListener): Promise<() => Promise<void>> {
    this.#assertOpen()
    let listeners = this.#channels.get(channel)
    if (listeners === undefined) {
      listeners = new Set()
      this.#channels.set(channel, listeners)
    }
    listeners.add(listener)
    return async () => {
      const current = this.#channels.get(channel)
      if (current === undefined || !current.delete(listener) || current.size > 0) return
      this.#channels.delete(channel)
    }
  }

  async ping (): Promise<void> {
    this.#assertOpen()
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#sweepTimer)
    this.#channels.clear()
    this.#redis.flush()
    this.#lua.close()
  }

  /** What the store holds, expired-but-unswept keys included: for tests and diagnostics. */
  stats (): { keys: number, expires: number, channels: number } {
    return { ...this.#redis.stats(), channels: this.#channels.size }
  }

  #assertOpen (): void {
    if (this.#closed) throw new StoreUnavailableError('embedded store is closed')
  }

  /** Runs synchronously (so atomically) and converts the reply the way ioredis would hand it over. */
  #reply (run: () => Reply): StoreReply {
    try {
      const reply = run()
      if (reply instanceof Error) throw reply
      return toStoreReply(reply)
    } catch (err) {
      if (err instanceof Error && err.name === 'ReplyError') throw replyError(fromBinary(err.message))
      throw err
    }
  }

  #runScript (sha: string, source: (() => string) | undefined, keys: string[], args: string[]): Reply {
    // a Cluster refuses keys of different slots; refusing them here catches that before production does
    if (keys.some(key => hashSlot(key) !== hashSlot(keys[0]))) {
      throw replyError("CROSSSLOT Keys in request don't hash to the same slot")
    }
    const code = this.#lua.has(sha) || source === undefined ? undefined : source()
    return this.#redis.withFrozenClock(() => this.#lua.run(sha, code, keys, args))
  }

  /** EVAL script numkeys key... arg... and EVALSHA sha numkeys ..., as clients send them. */
  #evalCommand (command: string, argv: string[]): Reply {
    if (argv.length < 3) throw replyError(`ERR wrong number of arguments for '${command}' command`)
    const count = parseInteger(argv[2])
    if (count < 0) throw replyError("ERR Number of keys can't be negative")
    if (count > argv.length - 3) throw replyError("ERR Number of keys can't be greater than number of args")
    const keys = argv.slice(3, 3 + count)
    const args = argv.slice(3 + count)
    if (command === 'evalsha') return this.#runScript(argv[1].toLowerCase(), undefined, keys, args)
    const sha = this.#lua.load(argv[1])
    return this.#runScript(sha, undefined, keys, args)
  }

  /** SCRIPT LOAD | EXISTS | FLUSH over the compiled-script cache. */
  #scriptCommand (argv: string[]): Reply {
    const sub = option(argv[1])
    if (sub === 'LOAD' && argv.length === 3) return this.#lua.load(argv[2])
    if (sub === 'EXISTS' && argv.length >= 3) return argv.slice(2).map(sha => this.#lua.has(sha.toLowerCase()) ? 1 : 0)
    if (sub === 'FLUSH' && argv.length <= 3) {
      this.#lua.flush()
      return OK
    }
    throw replyError(`ERR unknown subcommand or wrong number of arguments for '${argv[1] ?? ''}'. Try SCRIPT HELP.`)
  }

  /** PUBLISH: counts like Redis with this store's single subscriber connection (0 or 1) and delivers later. */
  #publish (channel: string, message: string): number {
    const name = fromBinary(channel)
    if (this.#channels.get(name) === undefined) return 0
    const text = fromBinary(message)
    // never inside the running command or script; like RedisStore, whoever listens on delivery gets it
    queueMicrotask(() => {
      for (const listener of this.#channels.get(name) ?? []) listener(text)
    })
    return 1
  }
}

function toStoreReply (reply: Reply): StoreReply {
  if (typeof reply === 'string') return fromBinary(reply)
  if (reply instanceof Status) return fromBinary(reply.value)
  if (reply instanceof Error) return replyError(fromBinary(reply.message)) as unknown as StoreReply
  if (Array.isArray(reply)) return reply.map(toStoreReply)
  return reply
}
