// Hash commands of the embedded Redis. A Map keeps insertion order, as Redis' small (listpack) hashes do.
import type { CommandTable, MiniRedis } from './mini-redis.js'
import { OK, errors, inInt64, parseBigInt, replyError, type Reply } from './replies.js'

function getHash (db: MiniRedis, key: string): Map<string, string> | undefined {
  return db.getTyped(key, 'hash')?.value
}

/** HSET / HMSET: field value pairs; returns how many fields are new. */
function setFields (db: MiniRedis, argv: string[], name: string): number {
  if (argv.length % 2 === 1) throw errors.arity(name)
  const hash = db.getOrCreate(argv[1], 'hash', () => new Map()).value
  let added = 0
  for (let i = 2; i < argv.length; i += 2) {
    if (!hash.has(argv[i])) added++
    hash.set(argv[i], argv[i + 1])
  }
  return added
}

export const hashCommands: CommandTable = {
  hget: { arity: 3, run: (db, argv) => getHash(db, argv[1])?.get(argv[2]) ?? null },
  hset: { arity: -4, run: (db, argv) => setFields(db, argv, 'hset') },
  hmset: {
    arity: -4,
    run (db, argv) {
      setFields(db, argv, 'hmset')
      return OK
    }
  },
  hsetnx: {
    arity: 4,
    run (db, argv) {
      const hash = db.getOrCreate(argv[1], 'hash', () => new Map()).value
      if (hash.has(argv[2])) return 0
      hash.set(argv[2], argv[3])
      return 1
    }
  },
  hmget: {
    arity: -3,
    run (db, argv) {
      const hash = getHash(db, argv[1])
      return argv.slice(2).map(field => hash?.get(field) ?? null)
    }
  },
  hgetall: {
    arity: 2,
    run: (db, argv) => [...getHash(db, argv[1]) ?? []].flat()
  },
  hkeys: { arity: 2, run: (db, argv) => [...getHash(db, argv[1])?.keys() ?? []] },
  hvals: { arity: 2, run: (db, argv) => [...getHash(db, argv[1])?.values() ?? []] },
  hincrby: {
    arity: 4,
    run (db, argv): Reply {
      const delta = parseBigInt(argv[3])
      if (delta === undefined) throw errors.notInteger()
      const hash = db.getOrCreate(argv[1], 'hash', () => new Map()).value
      const current = hash.get(argv[2])
      const base = current === undefined ? 0n : parseBigInt(current)
      if (base === undefined) throw replyError('ERR hash value is not an integer')
      const result = base + delta
      if (!inInt64(result)) throw errors.overflow()
      hash.set(argv[2], String(result))
      return Number(result)
    }
  },
  hdel: {
    arity: -3,
    run (db, argv) {
      const hash = getHash(db, argv[1])
      if (hash === undefined) return 0
      const removed = argv.slice(2).filter(field => hash.delete(field)).length
      db.deleteIfEmpty(argv[1], hash.size)
      return removed
    }
  },
  hexists: { arity: 3, run: (db, argv) => getHash(db, argv[1])?.has(argv[2]) === true ? 1 : 0 },
  hlen: { arity: 2, run: (db, argv) => getHash(db, argv[1])?.size ?? 0 },
  hstrlen: { arity: 3, run: (db, argv) => getHash(db, argv[1])?.get(argv[2])?.length ?? 0 }
}
