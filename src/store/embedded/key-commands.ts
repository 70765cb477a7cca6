// Keyspace and server commands of the embedded Redis: DEL, EXISTS, the EXPIRE family, TTL, TYPE,
// PING, TIME, DBSIZE, FLUSHALL and PUBLISH.
import type { CommandTable, MiniRedis } from './mini-redis.js'
import { OK, Status, errors, option, parseBigInt, replyError, type Reply } from './replies.js'

const MAX_MS = 2n ** 62n

/** EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX / XX / GT / LT (Redis 7). */
function expire (name: string, unitMs: bigint, absolute: boolean) {
  return {
    arity: -3,
    run (db: MiniRedis, argv: string[]): Reply {
      const flags = new Set<string>()
      for (const word of argv.slice(3)) {
        const flag = option(word)
        if (!['NX', 'XX', 'GT', 'LT'].includes(flag)) throw replyError(`ERR Unsupported option ${word}`)
        flags.add(flag)
      }
      if (flags.has('NX') && flags.size > 1) {
        throw replyError('ERR NX and XX, GT or LT options at the same time are not compatible')
      }
      if (flags.has('GT') && flags.has('LT')) throw replyError('ERR GT and LT options at the same time are not compatible')
      const amount = parseBigInt(argv[2])
      if (amount === undefined) throw errors.notInteger()
      const base = absolute ? 0n : BigInt(db.now())
      const when = amount * unitMs + base
      if (amount * unitMs > MAX_MS || amount * unitMs < -MAX_MS || when > MAX_MS) throw errors.invalidExpire(name)
      if (db.get(argv[1]) === undefined) return 0
      const current = db.expireAt(argv[1])
      const next = Number(when)
      if (flags.has('NX') && current !== undefined) return 0
      if (flags.has('XX') && current === undefined) return 0
      // a key without TTL counts as one that never expires
      if (flags.has('GT') && (current === undefined || next <= current)) return 0
      if (flags.has('LT') && current !== undefined && next >= current) return 0
      db.setExpireAt(argv[1], next)
      return 1
    }
  }
}

function ttl (inMs: boolean) {
  return {
    arity: 2,
    run (db: MiniRedis, argv: string[]): Reply {
      if (db.get(argv[1]) === undefined) return -2
      const when = db.expireAt(argv[1])
      if (when === undefined) return -1
      const left = Math.max(0, when - db.now())
      return inMs ? left : Math.floor((left + 500) / 1000)
    }
  }
}

function removeKeys (db: MiniRedis, argv: string[]): Reply {
  let removed = 0
  for (const key of argv.slice(1)) if (db.get(key) !== undefined && db.delete(key)) removed++
  return removed
}

function flush (db: MiniRedis, argv: string[]): Reply {
  if (argv.length > 2 || (argv.length === 2 && !['ASYNC', 'SYNC'].includes(option(argv[1])))) throw errors.syntax()
  db.flush()
  return OK
}

export const keyCommands: CommandTable = {
  del: { arity: -2, run: removeKeys },
  unlink: { arity: -2, run: removeKeys },
  exists: {
    arity: -2,
    run: (db, argv) => argv.slice(1).filter(key => db.get(key) !== undefined).length
  },
  expire: expire('expire', 1000n, false),
  pexpire: expire('pexpire', 1n, false),
  expireat: expire('expireat', 1000n, true),
  pexpireat: expire('pexpireat', 1n, true),
  ttl: ttl(false),
  pttl: ttl(true),
  persist: {
    arity: 2,
    run: (db, argv) => db.get(argv[1]) !== undefined && db.persist(argv[1]) ? 1 : 0
  },
  type: {
    arity: 2,
    run: (db, argv) => new Status(db.get(argv[1])?.type ?? 'none')
  },
  ping: {
    arity: -1,
    run (_db, argv) {
      if (argv.length > 2) throw errors.arity('ping')
      return argv.length === 2 ? argv[1] : new Status('PONG')
    }
  },
  echo: { arity: 2, run: (_db, argv) => argv[1] },
  time: {
    arity: 1,
    run (db) {
      const micros = Math.floor(db.now() * 1000)
      return [String(Math.floor(micros / 1e6)), String(micros % 1e6)]
    }
  },
  dbsize: { arity: 1, run: db => db.size() },
  flushall: { arity: -1, run: flush },
  flushdb: { arity: -1, run: flush },
  publish: { arity: 3, run: (db, argv) => db.publish(argv[1], argv[2]) }
}
