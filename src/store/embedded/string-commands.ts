// String commands of the embedded Redis: GET, SET with all its options, counters, MGET, STRLEN, APPEND.
import type { CommandTable, MiniRedis } from './mini-redis.js'
import { OK, errors, inInt64, option, parseBigInt, type Reply } from './replies.js'

const MAX_MS = 2n ** 62n

function getString (db: MiniRedis, key: string): string | null {
  return db.getTyped(key, 'string')?.value ?? null
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL], parsed as Redis 7 does. */
function set (db: MiniRedis, argv: string[]): Reply {
  const [, key, value] = argv
  let condition: 'NX' | 'XX' | undefined
  let get = false
  let keepTtl = false
  let expiry: string | undefined
  let amountText = ''
  for (let i = 3; i < argv.length; i++) {
    const word = option(argv[i])
    if ((word === 'NX' || word === 'XX') && (condition === undefined || condition === word)) {
      condition = word
    } else if (word === 'GET') {
      get = true
    } else if (word === 'KEEPTTL' && (expiry === undefined || expiry === word)) {
      keepTtl = true
      expiry = word
    } else if (['EX', 'PX', 'EXAT', 'PXAT'].includes(word) && (expiry === undefined || expiry === word) &&
      i + 1 < argv.length) {
      expiry = word
      amountText = argv[++i]
    } else {
      throw errors.syntax()
    }
  }
  const expireAt = expiry === undefined || keepTtl ? undefined : expiryTime(db, expiry, amountText)
  const previous = get ? getString(db, key) : null
  const exists = db.get(key) !== undefined
  if ((condition === 'NX' && exists) || (condition === 'XX' && !exists)) return get ? previous : null
  db.set(key, { type: 'string', value }, keepTtl)
  if (expireAt !== undefined) db.setExpireAt(key, expireAt)
  return get ? previous : OK
}

/** The absolute expiry (ms) a SET option asks for, refused like Redis when not positive or too far. */
function expiryTime (db: MiniRedis, unit: string, text: string): number {
  const amount = parseBigInt(text)
  if (amount === undefined) throw errors.notInteger()
  const ms = unit === 'EX' || unit === 'EXAT' ? amount * 1000n : amount
  const when = ms + (unit === 'EX' || unit === 'PX' ? BigInt(db.now()) : 0n)
  if (amount <= 0n || ms > MAX_MS || when > MAX_MS) throw errors.invalidExpire('set')
  return Number(when)
}

/** INCRBY and friends: 64-bit arithmetic on a decimal string, keeping the key's TTL. */
function incrementBy (db: MiniRedis, key: string, delta: bigint): Reply {
  const current = getString(db, key)
  const base = current === null ? 0n : parseBigInt(current)
  if (base === undefined) throw errors.notInteger()
  const result = base + delta
  if (!inInt64(result)) throw errors.overflow()
  db.set(key, { type: 'string', value: String(result) }, true)
  return Number(result)
}

function parseDelta (text: string): bigint {
  const delta = parseBigInt(text)
  if (delta === undefined) throw errors.notInteger()
  return delta
}

export const stringCommands: CommandTable = {
  get: { arity: 2, run: (db, argv) => getString(db, argv[1]) },
  set: { arity: -3, run: set },
  getdel: {
    arity: 2,
    run (db, argv) {
      const value = getString(db, argv[1])
      if (value !== null) db.delete(argv[1])
      return value
    }
  },
  mget: {
    arity: -2,
    run: (db, argv) => argv.slice(1).map(key => {
      const entry = db.get(key)
      return entry?.type === 'string' ? entry.value : null
    })
  },
  incr: { arity: 2, run: (db, argv) => incrementBy(db, argv[1], 1n) },
  decr: { arity: 2, run: (db, argv) => incrementBy(db, argv[1], -1n) },
  incrby: { arity: 3, run: (db, argv) => incrementBy(db, argv[1], parseDelta(argv[2])) },
  decrby: {
    arity: 3,
    run (db, argv) {
      const delta = parseDelta(argv[2])
      if (delta === -(2n ** 63n)) throw errors.overflow()
      return incrementBy(db, argv[1], -delta)
    }
  },
  strlen: { arity: 2, run: (db, argv) => getString(db, argv[1])?.length ?? 0 },
  append: {
    arity: 3,
    run (db, argv) {
      const value = (getString(db, argv[1]) ?? '') + argv[2]
      db.set(argv[1], { type: 'string', value }, true)
      return value.length
    }
  }
}
