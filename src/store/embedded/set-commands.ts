// Set commands of the embedded Redis. Members come back in insertion order; Redis promises no order,
// so callers (and the contract tests) must not rely on one.
import type { CommandTable, MiniRedis } from './mini-redis.js'

function getSet (db: MiniRedis, key: string): Set<string> | undefined {
  return db.getTyped(key, 'set')?.value
}

export const setCommands: CommandTable = {
  sadd: {
    arity: -3,
    run (db, argv) {
      const set = db.getOrCreate(argv[1], 'set', () => new Set()).value
      const before = set.size
      for (const member of argv.slice(2)) set.add(member)
      return set.size - before
    }
  },
  srem: {
    arity: -3,
    run (db, argv) {
      const set = getSet(db, argv[1])
      if (set === undefined) return 0
      const removed = argv.slice(2).filter(member => set.delete(member)).length
      db.deleteIfEmpty(argv[1], set.size)
      return removed
    }
  },
  smembers: { arity: 2, run: (db, argv) => [...getSet(db, argv[1]) ?? []] },
  sismember: { arity: 3, run: (db, argv) => getSet(db, argv[1])?.has(argv[2]) === true ? 1 : 0 },
  smismember: {
    arity: -3,
    run (db, argv) {
      const set = getSet(db, argv[1])
      return argv.slice(2).map(member => set?.has(member) === true ? 1 : 0)
    }
  },
  scard: { arity: 2, run: (db, argv) => getSet(db, argv[1])?.size ?? 0 }
}
