// Tools of the hostile-input tests: a sender that puts the exact bytes on the wire (undici, or a raw socket for the
// header bytes undici refuses to send), what the service must have left untouched, and generators of hostile values.
import { connect } from 'node:net'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { getGlobalDispatcher, type Dispatcher } from 'undici'
import type { RunningEmulator } from '../../src/emulator/index.js'
import { emulatorStats } from './service.js'

export interface HostileRequest {
  method: string
  /** Sent as is: percent-encoding, dot segments and double slashes reach the router untouched. */
  path: string
  /** Values are text; non-ASCII goes out as its UTF-8 bytes, as a real client would send it. */
  headers: Record<string, string | string[]>
  body?: string | Buffer
}

export interface Answer { status: number, contentType: string, body: string, transport: 'undici' | 'raw' }

const answerTimeoutMs = 5000
/** Bytes undici refuses in a header value (and so does any conforming client): C0 controls but tab, and DEL. */
const controlByte = /[\x00-\x08\x0a-\x1f\x7f]/ // eslint-disable-line no-control-regex

const wire = (value: string): string => Buffer.from(value, 'utf8').toString('latin1')

export async function send (baseUrl: string, req: HostileRequest): Promise<Answer> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.map(wire) : wire(value)
  if (Object.values(headers).flat().some(value => controlByte.test(value))) return await sendRaw(baseUrl, req.method, req.path, headers, req.body)
  const response = await getGlobalDispatcher().request({
    origin: baseUrl,
    path: req.path,
    method: req.method as Dispatcher.HttpMethod,
    headers,
    body: req.body,
    headersTimeout: answerTimeoutMs,
    bodyTimeout: answerTimeoutMs
  })
  const body = await response.body.text()
  return { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), body, transport: 'undici' }
}

/** HTTP/1.1 over a plain socket, `Connection: close`, for bytes no HTTP client library will put in a header. */
export async function sendRaw (baseUrl: string, method: string, path: string, headers: Record<string, string | string[]>,
  body?: string | Buffer): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl)
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close']
  for (const [name, value] of Object.entries(headers)) for (const one of [value].flat()) lines.push(`${name}: ${one}`)
  if (body !== undefined) lines.push(`content-length: ${payload.length}`)
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
  return await rawExchange(hostname, Number(port), Buffer.concat([head, payload]))
}

/** Writes bytes as they are and reads the answer until the server closes; no answer within 5 s is a hang. */
export async function rawExchange (host: string, port: number, bytes: Buffer): Promise<Answer> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, host)
    const chunks: Buffer[] = []
    socket.on('data', chunk => chunks.push(chunk))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.on('error', reject)
    socket.setTimeout(answerTimeoutMs, () => { socket.destroy(); reject(new Error('no answer within 5 s: the service hangs')) })
    // write, not end: Node's HTTP server drops the answers of a client that half-closes its side
    socket.write(bytes)
  })
  const split = text.indexOf('\r\n\r\n')
  const head = text.slice(0, split).split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0)
  const contentType = head.find(line => /^content-type:/i.test(line))?.replace(/^content-type:\s*/i, '') ?? ''
  const chunked = head.some(line => /^transfer-encoding:\s*chunked/i.test(line))
  const rest = split < 0 ? '' : text.slice(split + 4)
  return { status, contentType, body: chunked ? dechunk(rest) : rest, transport: 'raw' }
}

function dechunk (text: string): string {
  let out = ''
  let at = 0
  while (at < text.length) {
    const eol = text.indexOf('\r\n', at)
    const size = parseInt(text.slice(at, eol), 16)
    if (!(size > 0)) break
    out += text.slice(eol + 2, eol + 2 + size)
    at = eol + 2 + size + 2
  }
  return out
}

/** What is wrong with an answer that must be the service's JSON error body, or undefined when it is one. */
export function errorBodyProblem (answer: Answer): string | undefined {
  if (!/^application\/json/i.test(answer.contentType)) return `content-type ${JSON.stringify(answer.contentType)}`
  let body: Record<string, unknown>
  try {
    body = JSON.parse(answer.body)
  } catch {
    return 'the body is not JSON'
  }
  if (body === null || typeof body !== 'object') return 'the body is not a JSON object'
  if (body.statusCode !== answer.status) return `statusCode ${String(body.statusCode)} is not the HTTP status`
  for (const field of ['code', 'error', 'message']) {
    if (typeof body[field] !== 'string' || body[field] === '') return `no ${field} string`
  }
  return undefined
}

/** What a request could have changed: Razorpay calls and idempotency records. */
export interface Footprint { ordersCreated: number, paymentsCreated: number, refundsCreated: number, requests: number, idempotencyKeys: string }

export async function footprint (app: FastifyInstance, rzp: RunningEmulator): Promise<Footprint> {
  const { ordersCreated, paymentsCreated, refundsCreated, requests } = await emulatorStats(rzp)
  const keys = await app.store.command('keys', ['idempotency:*']) as string[]
  return { ordersCreated, paymentsCreated, refundsCreated, requests, idempotencyKeys: keys.sort().join(' ') }
}

/** Characters outside printable ASCII (0x21-0x7E): controls, NUL, RTL and zero-width marks, astral planes. */
export const nastyChar = fc.constantFrom(
  '\u0000', '\u0001', '\u0008', '\u001b', '\u007f', '\u0085', '\u00a0', '\u00e9', '\u0301', ' ', '\t', '\n', '\r',
  '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202e', '\u2066', '\u2028', '\ufeff', '\ufffd', '\ud800', '\udfff',
  '\u0130', '\u212a', '\u0661', '\u{1f4a9}', '\u{1d54f}', '\u{e0041}', '\u{10ffff}'
)

/** Printable ASCII that identifiers (`^[A-Za-z0-9_.:-]+$`) do not allow. */
export const punctuation = fc.constantFrom('"', '\\', '/', '<', '>', '%', '?', '#', '*', '{', '}', '[', ']', '$', "'", '`', '|', '&', '=', '+', ',', ';', '!', '@', '~', '^', '(')

const anyText = fc.string({ unit: 'binary', maxLength: 12 })
/** Strings of `bytes` UTF-8 bytes: ASCII, astral, RTL with zero-width, NUL, digits. */
const huge = (bytes: number): string[] =>
  ['a'.repeat(bytes), '\u{1f600}'.repeat(bytes / 4), '\u202e\u200b'.repeat(bytes / 6), '\u0000'.repeat(bytes), '9'.repeat(bytes)]
const blank = ['', ' ', '   ', '\t', '\u3000', '\u200b', '\ufeff', '\r\n']

/**
 * Text that no bounded printable-ASCII field of the service accepts: it holds a character outside 0x21-0x7E
 * (or, for identifiers, printable punctuation), is blank, or is `hugeBytes` long (10 KB; less where a header or a
 * path must stay under Node's 16 KiB limit for the request head).
 */
export function hostileText (identifier = false, hugeBytes = 10_240): fc.Arbitrary<string> {
  const bad = identifier ? fc.oneof(nastyChar, punctuation) : nastyChar
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(anyText, bad, anyText).map(parts => parts.join('')) },
    { weight: 2, arbitrary: fc.constantFrom(...blank) },
    { weight: 1, arbitrary: fc.constantFrom(...huge(hugeBytes)) }
  )
}

/** JSON-ish number texts (some not JSON at all) that are not an integer in [min, max]. */
export function badIntegerText (min: number, max: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('1e308', '-1e308', '1e400', '18446744073709551616', '-18446744073709551616', '9007199254740993',
      '-0', '0', '1.5', '0.1', '1e-7', '5e-324', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '+1', '.5', '1.', '01',
      '1e', '--1', 'undefined', '"1"', '"NaN"', 'null', 'true', '[]', '{}', '[1]', '"\\u0031"'),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
    fc.string({ unit: 'binary', maxLength: 8 }).map(s => JSON.stringify(s))
  ).filter(text => !isIntegerIn(text, min, max))
}

function isIntegerIn (text: string, min: number, max: number): boolean {
  try {
    const value = JSON.parse(text)
    return Number.isInteger(value) && value >= min && value <= max
  } catch {
    return false
  }
}

/** 1000 to `maxLevels` levels of arrays, objects or both, as JSON text. */
export function deepJson (maxLevels: number): fc.Arbitrary<string> {
  return fc.tuple(fc.integer({ min: 1000, max: maxLevels }), fc.constantFrom('array', 'object', 'mixed')).map(([levels, kind]) =>
    kind === 'array'
      ? '['.repeat(levels) + ']'.repeat(levels)
      : kind === 'object'
        ? '{"a":'.repeat(levels) + '0' + '}'.repeat(levels)
        : '[{"a":'.repeat(levels / 2) + '0' + '}]'.repeat(levels / 2))
}

/** Any JSON value text except an object: arrays, strings, numbers, literals. */
export const nonObjectJson = fc.oneof(
  fc.constantFrom('[]', '[{}]', '""', '"{}"', '0', '-0', '1e308', 'null', 'true', 'false'),
  fc.jsonValue({ maxDepth: 2 }).filter(v => v === null || typeof v !== 'object' || Array.isArray(v)).map(v => JSON.stringify(v))
)

/** Not JSON at all: cut short, commented, single-quoted, trailing garbage, JavaScript literals. */
export function brokenJson (valid: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: 0, max: valid.length - 1 }).map(cut => valid.slice(0, cut)),
    fc.constantFrom(
      valid.slice(0, -1) + ',}', valid + 'x', valid + valid, `//x\n${valid}`, valid.replaceAll('"', "'"),
      valid.replace(':', ''), `{${valid}}`, '{', '}', '[', '{"a":NaN}', '{"a":undefined}', '{"a":Infinity}', '{a:1}',
      '{"a":1,,"b":2}', '{"a":"\u0000"}', '{"a":"\\x41"}', '{"a":"\\ud800"', '\u0000', '\ufeff\ufeff{}'
    )
  )
}

/** Prefer headers that mean nothing or push their luck. */
export const garbagePrefer = fc.oneof(
  fc.constantFrom('wait=', 'wait=-1', 'wait=99999999999999999999', 'wait=1e9', 'wait="5', 'wait=5"', 'wait=\u0665',
    'wait=10;wait=20', 'respond-async, wait=abc', 'handling=strict', ',,,;;;', '=', 'wait', 'WAIT=0x10', 'wait=300000',
    'wait=' + '9'.repeat(1000), 'wait = ' + ' '.repeat(1000) + '1x'),
  hostileText(false, 1024)
)
