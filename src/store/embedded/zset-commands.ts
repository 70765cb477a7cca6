// Sorted-set commands of the embedded Redis: ZADD (NX/XX/GT/LT/CH/INCR), ZINCRBY, ZREM, ZSCORE, ZCARD,
// ZCOUNT, ZRANGE (by index or BYSCORE, REV, LIMIT), ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZREMRANGEBYSCORE.
import type { CommandTable, MiniRedis } from './mini-redis.js'
import { errors, formatDouble, option, parseDouble, parseInteger, replyError, type Reply } from './replies.js'
import { SortedSet, type ScoreBound, type ZEntry } from './sorted-set.js'

export type { SortedSet }

function getZset (db: MiniRedis, key: string): SortedSet | undefined {
  return db.getTyped(key, 'zset')?.value
}

function parseScore (text: string): number {
  const score = parseDouble(text)
  if (score === undefined || Number.isNaN(score)) throw errors.notFloat()
  return score
}

/** A ZRANGEBYSCORE-style bound: "(" for exclusive; read with strtod, so leading whitespace is fine. */
function parseBound (text: string): ScoreBound {
  const exclusive = text.startsWith('(')
  const value = parseDouble((exclusive ? text.slice(1) : text).replace(/^[ \t\n\v\f\r]+/, ''))
  if (value === undefined || Number.isNaN(value)) throw replyError('ERR min or max is not a float')
  return { value, exclusive }
}

/** Adds `delta` (INCR) or sets `score`, honouring NX/XX/GT/LT; returns the resulting score or undefined if skipped. */
function addMember (zset: SortedSet, member: string, score: number, flags: Set<string>): { added: boolean, changed: boolean, score?: number } {
  const current = zset.score(member)
  if ((flags.has('NX') && current !== undefined) || (flags.has('XX') && current === undefined)) return { added: false, changed: false }
  let next = score
  if (flags.has('INCR') && current !== undefined) {
    next = current + score
    if (Number.isNaN(next)) throw replyError('ERR resulting score is not a number (NaN)')
  }
  if (current !== undefined && ((flags.has('GT') && next <= current) || (flags.has('LT') && next >= current))) {
    return { added: false, changed: false }
  }
  const added = zset.set(member, next)
  return { added, changed: added || current !== next, score: next }
}

function zadd (db: MiniRedis, argv: string[]): Reply {
  const flags = new Set<string>()
  let i = 2
  for (; i < argv.length && ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'].includes(option(argv[i])); i++) flags.add(option(argv[i]))
  const pairs = argv.length - i
  if (pairs === 0 || pairs % 2 === 1) throw errors.syntax()
  if (flags.has('NX') && flags.has('XX')) throw replyError('ERR XX and NX options at the same time are not compatible')
  if ((flags.has('GT') && flags.has('LT')) || (flags.has('NX') && (flags.has('GT') || flags.has('LT')))) {
    throw replyError('ERR GT, LT, and/or NX options at the same time are not compatible')
  }
  if (flags.has('INCR') && pairs > 2) throw replyError('ERR INCR option supports a single increment-element pair')
  const scores = []
  for (let j = i; j < argv.length; j += 2) scores.push(parseScore(argv[j]))
  const zset = db.getOrCreate(argv[1], 'zset', () => new SortedSet()).value
  let added = 0
  let changed = 0
  let last: number | undefined
  scores.forEach((score, index) => {
    const result = addMember(zset, argv[i + index * 2 + 1], score, flags)
    if (result.added) added++
    if (result.changed) changed++
    last = result.score
  })
  db.deleteIfEmpty(argv[1], zset.size)
  if (flags.has('INCR')) return last === undefined ? null : formatDouble(last)
  return flags.has('CH') ? changed : added
}

function reply (entries: ZEntry[], withScores: boolean): Reply {
  return withScores ? entries.flatMap(e => [e.member, formatDouble(e.score)]) : entries.map(e => e.member)
}

function limit (entries: ZEntry[], offset: number, count: number): ZEntry[] {
  if (offset < 0) return []
  return count < 0 ? entries.slice(offset) : entries.slice(offset, offset + count)
}

/** ZRANGE and the older *RANGEBYSCORE forms share one parser: `byScore` and `reverse` come from the command. */
function range (db: MiniRedis, argv: string[], byScore: boolean, reverse: boolean, generic: boolean): Reply {
  let withScores = false
  let offset = 0
  let count = -1
  let limited = false
  for (let i = 4; i < argv.length; i++) {
    const word = option(argv[i])
    if (word === 'WITHSCORES') withScores = true
    else if (word === 'LIMIT' && i + 2 < argv.length) {
      offset = parseInteger(argv[++i])
      count = parseInteger(argv[++i])
      limited = true
    } else if (generic && word === 'BYSCORE') byScore = true
    else if (generic && word === 'REV') reverse = true
    else if (generic && word === 'BYLEX') throw replyError('ERR the embedded store does not support ZRANGE BYLEX')
    else throw errors.syntax()
  }
  if (limited && !byScore) {
    throw replyError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX')
  }
  if (byScore) {
    const [min, max] = reverse ? [parseBound(argv[3]), parseBound(argv[2])] : [parseBound(argv[2]), parseBound(argv[3])]
    const entries = getZset(db, argv[1])?.rangeByScore(min, max) ?? []
    return reply(limit(reverse ? entries.reverse() : entries, offset, count), withScores)
  }
  let start = parseInteger(argv[2])
  let stop = parseInteger(argv[3])
  const zset = getZset(db, argv[1])
  const length = zset?.size ?? 0
  if (start < 0) start += length
  if (stop < 0) stop += length
  start = Math.max(start, 0)
  if (zset === undefined || start > stop || start >= length) return []
  stop = Math.min(stop, length - 1)
  if (!reverse) return reply(zset.slice(start, stop), withScores)
  return reply(zset.slice(length - 1 - stop, length - 1 - start).reverse(), withScores)
}

export const zsetCommands: CommandTable = {
  zadd: { arity: -4, run: zadd },
  zincrby: { arity: 4, run: (db, argv) => zadd(db, ['zadd', argv[1], 'INCR', argv[2], argv[3]]) },
  zrem: {
    arity: -3,
    run (db, argv) {
      const zset = getZset(db, argv[1])
      if (zset === undefined) return 0
      const removed = argv.slice(2).filter(member => zset.delete(member)).length
      db.deleteIfEmpty(argv[1], zset.size)
      return removed
    }
  },
  zscore: {
    arity: 3,
    run (db, argv) {
      const score = getZset(db, argv[1])?.score(argv[2])
      return score === undefined ? null : formatDouble(score)
    }
  },
  zcard: { arity: 2, run: (db, argv) => getZset(db, argv[1])?.size ?? 0 },
  zcount: {
    arity: 4,
    run (db, argv) {
      const [min, max] = [parseBound(argv[2]), parseBound(argv[3])]
      return getZset(db, argv[1])?.rangeByScore(min, max).length ?? 0
    }
  },
  zrange: { arity: -4, run: (db, argv) => range(db, argv, false, false, true) },
  zrangebyscore: { arity: -4, run: (db, argv) => range(db, argv, true, false, false) },
  zrevrangebyscore: { arity: -4, run: (db, argv) => range(db, argv, true, true, false) },
  zremrangebyscore: {
    arity: 4,
    run (db, argv) {
      const [min, max] = [parseBound(argv[2]), parseBound(argv[3])]
      const zset = getZset(db, argv[1])
      if (zset === undefined) return 0
      const entries = zset.rangeByScore(min, max)
      for (const entry of entries) zset.delete(entry.member)
      db.deleteIfEmpty(argv[1], zset.size)
      return entries.length
    }
  }
}
