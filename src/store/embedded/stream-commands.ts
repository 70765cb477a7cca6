// Stream commands of the embedded Redis: XADD (auto or explicit ids, NOMKSTREAM, MAXLEN / MINID trimming),
// XRANGE, XREVRANGE, XLEN, XTRIM, XDEL. "~" trims exactly, which Redis' "at least" contract allows.
import type { CommandTable, MiniRedis } from './mini-redis.js'
import { errors, option, parseInteger, replyError, type Reply } from './replies.js'

interface StreamId { ms: number, seq: number }
interface StreamEntry { id: StreamId, fields: string[] }

export interface Stream {
  entries: StreamEntry[]
  /** The highest id ever added: ids never go back, even after trimming. */
  lastId: StreamId
}

const MAX_SEQ = Number.MAX_SAFE_INTEGER
const invalidId = (): Error => replyError('ERR Invalid stream ID specified as stream command argument')

function compare (a: StreamId, b: StreamId): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms
}

const formatId = (id: StreamId): string => `${id.ms}-${id.seq}`

/** "ms-seq", or "ms" alone with `missingSeq` (0 for a start, the maximum for an end). */
function parseId (text: string, missingSeq: number): StreamId {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text)
  if (match === null) throw invalidId()
  const id = { ms: Number(match[1]), seq: match[2] === undefined ? missingSeq : Number(match[2]) }
  if (!Number.isSafeInteger(id.ms) || !Number.isSafeInteger(id.seq)) throw invalidId()
  return id
}

function getStream (db: MiniRedis, key: string): Stream | undefined {
  return db.getTyped(key, 'stream')?.value
}

interface Trim { strategy: 'MAXLEN' | 'MINID', threshold: string }

/** Parses `MAXLEN|MINID [=|~] threshold [LIMIT n]` at argv[i]; returns the index after it. */
function parseTrim (argv: string[], i: number, trim: { value?: Trim }): number {
  const strategy = option(argv[i]) as Trim['strategy']
  let next = i + 1
  let approximate = false
  if (next >= argv.length) throw errors.syntax()
  if (argv[next] === '=' || argv[next] === '~') approximate = argv[next++] === '~'
  const threshold = argv[next++] ?? ''
  if (strategy === 'MAXLEN' && parseInteger(threshold) < 0) throw replyError('ERR The MAXLEN argument must be >= 0.')
  if (strategy === 'MINID') parseId(threshold, 0)
  if (option(argv[next]) === 'LIMIT') {
    if (!approximate) throw replyError('ERR syntax error, LIMIT cannot be used without the special ~ option')
    parseInteger(argv[next + 1] ?? '')
    next += 2
  }
  trim.value = { strategy, threshold }
  return next
}

function applyTrim (stream: Stream, trim: Trim): number {
  let remove: number
  if (trim.strategy === 'MAXLEN') {
    remove = Math.max(0, stream.entries.length - parseInteger(trim.threshold))
  } else {
    const min = parseId(trim.threshold, 0)
    remove = stream.entries.findIndex(entry => compare(entry.id, min) >= 0)
    if (remove < 0) remove = stream.entries.length
  }
  stream.entries.splice(0, remove)
  return remove
}

/** What XADD was asked for: "*", "ms-*" or an explicit id; checked before the key is looked at, as Redis does. */
function parseAddId (text: string): StreamId | { ms?: number } {
  if (text === '*') return {}
  if (text.endsWith('-*')) return { ms: parseId(text.slice(0, -2), 0).ms }
  const id = parseId(text, 0)
  if (id.ms === 0 && id.seq === 0) throw replyError('ERR The ID specified in XADD must be greater than 0-0')
  return id
}

function nextId (db: MiniRedis, stream: Stream | undefined, wanted: StreamId | { ms?: number }): StreamId {
  const last = stream?.lastId ?? { ms: 0, seq: 0 }
  let id: StreamId
  if ('seq' in wanted) {
    id = wanted
  } else if (wanted.ms !== undefined) {
    id = { ms: wanted.ms, seq: wanted.ms === last.ms ? last.seq + 1 : 0 }
  } else {
    const now = Math.floor(db.now())
    id = now > last.ms ? { ms: now, seq: 0 } : { ms: last.ms, seq: last.seq + 1 }
  }
  if (compare(id, last) <= 0 || id.seq > MAX_SEQ) {
    throw replyError('ERR The ID specified in XADD is equal or smaller than the target stream top item')
  }
  return id
}

function xadd (db: MiniRedis, argv: string[]): Reply {
  let i = 2
  let noMakeStream = false
  const trim: { value?: Trim } = {}
  while (true) {
    const word = option(argv[i])
    if (word === 'NOMKSTREAM') {
      noMakeStream = true
      i++
    } else if (word === 'MAXLEN' || word === 'MINID') {
      i = parseTrim(argv, i, trim)
    } else {
      break
    }
  }
  const fields = argv.slice(i + 1)
  if (i >= argv.length || fields.length === 0 || fields.length % 2 === 1) throw errors.arity('xadd')
  const wanted = parseAddId(argv[i])
  const existing = getStream(db, argv[1])
  if (existing === undefined && noMakeStream) return null
  const id = nextId(db, existing, wanted)
  const stream = existing ?? db.getOrCreate(argv[1], 'stream', () => ({ entries: [], lastId: id })).value
  stream.entries.push({ id, fields })
  stream.lastId = id
  if (trim.value !== undefined) applyTrim(stream, trim.value)
  return formatId(id)
}

/** XRANGE start end / XREVRANGE end start, with "-", "+", "(" exclusive bounds and COUNT. */
function range (db: MiniRedis, argv: string[], reverse: boolean): Reply {
  const [startText, endText] = reverse ? [argv[3], argv[2]] : [argv[2], argv[3]]
  const start = bound(startText, true)
  const end = bound(endText, false)
  let count = Infinity
  if (argv.length === 6 && option(argv[4]) === 'COUNT') count = Math.max(0, parseInteger(argv[5]))
  else if (argv.length !== 4) throw errors.syntax()
  const entries = getStream(db, argv[1])?.entries ?? []
  const selected = entries.filter(e => compare(e.id, start) >= 0 && compare(e.id, end) <= 0)
  const ordered = reverse ? selected.reverse() : selected
  return ordered.slice(0, count).map(e => [formatId(e.id), [...e.fields]])
}

function bound (text: string, isStart: boolean): StreamId {
  if (text === '-') return { ms: 0, seq: 0 }
  if (text === '+') return { ms: Number.MAX_SAFE_INTEGER, seq: MAX_SEQ }
  if (!text.startsWith('(')) return parseId(text, isStart ? 0 : MAX_SEQ)
  const id = parseId(text.slice(1), isStart ? 0 : MAX_SEQ)
  if (isStart) return id.seq === MAX_SEQ ? { ms: id.ms + 1, seq: 0 } : { ms: id.ms, seq: id.seq + 1 }
  if (id.ms === 0 && id.seq === 0) throw replyError('ERR invalid end ID for the interval')
  return id.seq === 0 ? { ms: id.ms - 1, seq: MAX_SEQ } : { ms: id.ms, seq: id.seq - 1 }
}

export const streamCommands: CommandTable = {
  xadd: { arity: -5, run: xadd },
  xrange: { arity: -4, run: (db, argv) => range(db, argv, false) },
  xrevrange: { arity: -4, run: (db, argv) => range(db, argv, true) },
  xlen: { arity: 2, run: (db, argv) => getStream(db, argv[1])?.entries.length ?? 0 },
  xtrim: {
    arity: -4,
    run (db, argv) {
      const word = option(argv[2])
      if (word !== 'MAXLEN' && word !== 'MINID') throw errors.syntax()
      const trim: { value?: Trim } = {}
      if (parseTrim(argv, 2, trim) !== argv.length) throw errors.syntax()
      const stream = getStream(db, argv[1])
      return stream === undefined || trim.value === undefined ? 0 : applyTrim(stream, trim.value)
    }
  },
  xdel: {
    arity: -3,
    run (db, argv) {
      const stream = getStream(db, argv[1])
      const ids = argv.slice(2).map(text => parseId(text, 0))
      if (stream === undefined) return 0
      const before = stream.entries.length
      stream.entries = stream.entries.filter(e => !ids.some(id => compare(id, e.id) === 0))
      return before - stream.entries.length
    }
  }
}
