// Reply and error shapes of the embedded Redis, and the argument parsing rules Redis applies.
// Values are "binary strings": one char per byte (latin1), so lengths and ordering are byte-exact like Redis.
import { ReplyError } from 'ioredis'

/** A status reply (+OK): a string to clients, a table `{ ok = '...' }` to Lua. */
export class Status {
  constructor (readonly value: string) {}
}

export const OK = new Status('OK')

export type Reply = string | number | null | Status | Error | Reply[]

/** ioredis' own class, so callers can tell a refused command from an unreachable store the same way for both stores. */
export function replyError (message: string): Error {
  return new ReplyError(message) as Error
}

export const errors = {
  wrongType: () => replyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
  notInteger: () => replyError('ERR value is not an integer or out of range'),
  notFloat: () => replyError('ERR value is not a valid float'),
  syntax: () => replyError('ERR syntax error'),
  overflow: () => replyError('ERR increment or decrement would overflow'),
  arity: (name: string) => replyError(`ERR wrong number of arguments for '${name}' command`),
  invalidExpire: (name: string) => replyError(`ERR invalid expire time in '${name}' command`)
}

/** A JS string (UTF-8), Buffer or number as ioredis writes it to the wire (numbers through String()). */
export function toBinary (value: string | number | Buffer | Uint8Array): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('latin1')
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1')
}

/** What ioredis hands back for a bulk string: its bytes decoded as UTF-8. */
export function fromBinary (value: string): string {
  return Buffer.from(value, 'latin1').toString('utf8')
}

const MAX_INT64 = 9223372036854775807n
const MIN_INT64 = -9223372036854775808n
const strictInteger = /^(?:0|-?[1-9]\d*)$/

/** Parses a 64-bit signed integer the way Redis' string2ll does (no spaces, no "+", no leading zeros). */
export function parseBigInt (text: string): bigint | undefined {
  if (text.length > 20 || !strictInteger.test(text)) return undefined
  const value = BigInt(text)
  return value > MAX_INT64 || value < MIN_INT64 ? undefined : value
}

export function inInt64 (value: bigint): boolean {
  return value <= MAX_INT64 && value >= MIN_INT64
}

/** An integer argument; Redis answers "not an integer or out of range" for anything else. */
export function parseInteger (text: string): number {
  const value = parseBigInt(text)
  if (value === undefined) throw errors.notInteger()
  return Number(value)
}

const floatText = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const infinities: Record<string, number> = { inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '+infinity': Infinity, '-infinity': -Infinity }

/** A score or other double argument (strtod rules, "inf" accepted, NaN refused); undefined if invalid. */
export function parseDouble (text: string): number | undefined {
  const infinity = infinities[text.toLowerCase()]
  if (infinity !== undefined) return infinity
  if (!floatText.test(text)) return undefined
  return Number(text)
}

/** Formats a double the way Redis 7.2+ replies with it (shortest round-trip form, "%g"-style exponents). */
export function formatDouble (value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  if (Number.isInteger(value) && Math.abs(value) < 1e17) return String(value)
  const abs = Math.abs(value)
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e17)) {
    const [mantissa, exponent] = value.toExponential().split('e')
    const sign = exponent.startsWith('-') ? '-' : '+'
    return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`
  }
  return String(value)
}

/** Upper-cased option word, compared against the binary argument. */
export function option (text: string | undefined): string {
  return text === undefined ? '' : text.toUpperCase()
}
