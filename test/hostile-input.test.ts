// Hostile input, property-based, over real HTTP: every route of the service gets generated bodies, headers, keys,
// methods, paths and sizes. A hostile request gets the service's JSON 4xx, stores no idempotency record, makes no
// Razorpay call and leaves the service answering. Seeded: a failure names its seed and path and reproduces.
import { createHmac } from 'node:crypto'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import t from 'tap'
import type { TSchema } from 'typebox'
import { Compile } from 'typebox/compile'
import { getGlobalDispatcher } from 'undici'
import { CreateOrderBodySchema } from '../schemas/checkout.js'
import { VerifyPaymentBodySchema } from '../schemas/payment.js'
import { PutVariantBodySchema } from '../schemas/variant.js'
import { admin, moneySetup, shop } from './support/money.js'
import {
  badIntegerText, brokenJson, deepJson, errorBodyProblem, footprint, garbagePrefer, hostileText, nastyChar,
  nonObjectJson, rawExchange, send, sendRaw, type Answer, type HostileRequest
} from './support/hostile.js'

/** The recorded seed: every failure it finds reproduces. HOSTILE_SEED explores others, HOSTILE_RUNS_SCALE runs more. */
const seed = Number(process.env.HOSTILE_SEED ?? 1_718_281_828)
const runs = (n: number): number => Math.max(1, Math.round(n * Number(process.env.HOSTILE_RUNS_SCALE ?? 1)))

// Thousands of generated bad tokens from one address: the failed-authentication limit would answer 429 to the rest.
const { app, rzp, url } = await moneySetup(t, { RATE_LIMIT_MAX: '1000000', AUTH_FAILURES_MAX: '1000000' })
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).join(',')

// ---- what a request must (not) do -------------------------------------------------------------------------------

const printable = /^[\x21-\x7e]+$/
const controlChar = /[\x00-\x08\x0a-\x1f\x7f]/ // eslint-disable-line no-control-regex
const trimOws = (value: string): string => value.replace(/^[ \t]+|[ \t]+$/g, '')
const clip = (text: string, max = 160): string => text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text

function describe (req: HostileRequest): string {
  const body = req.body === undefined ? '' : ` body=${JSON.stringify(clip(req.body.toString()))}`
  return `${req.method} ${clip(req.path)} headers=${clip(JSON.stringify(req.headers), 600)}${body}`
}

/** Gives generated requests a short printed form in fast-check's failure report. */
function printed (req: HostileRequest): HostileRequest {
  return Object.assign(req, { [fc.toStringMethod]: () => describe(req) })
}

const refused = (answer: Answer): string | undefined =>
  answer.status >= 400 && answer.status < 500 ? errorBodyProblem(answer) : `status ${answer.status}, not a 4xx`

/** Sends one request and checks the answer, that Razorpay was not called, what was stored, and that the service lives. */
async function exchange (req: HostileRequest, judge: (answer: Answer) => string | undefined = refused,
  options: { mayStore?: boolean, after?: () => Promise<string | undefined> } = {}): Promise<Answer> {
  const before = await footprint(app, rzp)
  const answer = await send(url, req)
  const after = await footprint(app, rzp)
  const problems: string[] = []
  const verdict = judge(answer)
  if (verdict !== undefined) problems.push(verdict)
  for (const counter of ['ordersCreated', 'paymentsCreated', 'refundsCreated', 'requests'] as const) {
    if (after[counter] !== before[counter]) problems.push(`Razorpay was called: ${counter} ${before[counter]} -> ${after[counter]}`)
  }
  if (options.mayStore !== true && after.idempotencyKeys !== before.idempotencyKeys) {
    problems.push(`idempotency records stored: [${before.idempotencyKeys}] -> [${after.idempotencyKeys}]`)
  }
  const extra = await options.after?.()
  if (extra !== undefined) problems.push(extra)
  const live = await send(url, { method: 'GET', path: '/health/live', headers: {} })
  if (live.status !== 200) problems.push(`GET /health/live answers ${live.status} afterwards`)
  if (problems.length > 0) {
    throw new Error(`${describe(req)}\n  answered ${answer.status} ${clip(answer.body, 300)}\n  ${problems.join('\n  ')}`)
  }
  return answer
}

async function check<T> (arbitrary: fc.Arbitrary<T>, numRuns: number, property: (value: T) => Promise<unknown>): Promise<void> {
  await fc.assert(fc.asyncProperty(arbitrary, async value => { await property(value) }), { seed, numRuns: runs(numRuns), includeErrorInReport: true })
}

/** Would Fastify hand this text to the handler under `schema`? (one leading BOM stripped, prototype keys refused) */
function reachesHandler (schema: TSchema, text: string): boolean {
  if (Buffer.byteLength(text) > 64 * 1024) return false
  let value: unknown
  try {
    value = JSON.parse(text.replace(/^\ufeff/, ''))
  } catch {
    return false
  }
  if (/"(?:_|\\u005f)(?:_|\\u005f)proto|"constructor"/i.test(text)) return false
  let validator = validators.get(schema)
  if (validator === undefined) validators.set(schema, validator = Compile(schema))
  return validator.Check(value)
}
const validators = new Map<TSchema, ReturnType<typeof Compile>>()

// ---- generators shared by the routes ---------------------------------------------------------------------------

const tokens = { client: ['shop-token', 'other-token'], admin: ['admin-token-for-tests'] }

/** The service's own reading of `Authorization` (Node trims spaces and tabs; the first of repeated headers counts). */
function authAccepted (value: string | string[], accepted: string[]): boolean {
  const first = trimOws(Array.isArray(value) ? value[0] : value)
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(first)
  return match !== null && accepted.includes(match[1])
}

const noControl = (value: string | string[]): boolean => ![value].flat().some(one => controlChar.test(one))
/** Header values stay near 1 KB so that a whole request head stays under Node's 16 KiB limit. */
const headerText = hostileText(false, 1024).filter(noControl)

/** Authorization headers the route refuses; `null` leaves the header out. */
function badAuth (accepted: string[]): fc.Arbitrary<string | string[] | null> {
  return fc.oneof(
    fc.constant(null),
    fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic c2hvcDpzaG9wLXRva2Vu', 'Bearer shop-token extra', 'Bearer shop-token,other-token',
      'Bearer admin-token-for-tests', 'Bearer shop-token', 'Token shop-token', 'Bearershop-token', 'Bearer "shop-token"',
      'Bearer shop-tokeN', 'Bearer shop-token\u200b', '\u202eBearer shop-token', 'Bearer\tshop-token', `Bearer ${'x'.repeat(1024)}`),
    fc.tuple(fc.constantFrom('Bearer ', 'bearer  ', 'BEARER ', ''), headerText).map(([scheme, token]) => scheme + token),
    fc.constant<string[]>(['Bearer wrong-token', 'Bearer shop-token'])
  ).filter(value => value === null || (!authAccepted(value, accepted) && noControl(value)))
}

const printableChar = fc.integer({ min: 0x21, max: 0x7e }).map(code => String.fromCharCode(code))
const goodKey = fc.string({ unit: printableChar, minLength: 1, maxLength: 20 })

/** Idempotency-Key values out of 1..255 printable ASCII (after HTTP's own trimming), and repeated headers. */
const badKey: fc.Arbitrary<string | string[]> = fc.oneof(
  headerText,
  fc.string({ unit: printableChar, minLength: 256, maxLength: 1024 }),
  fc.constantFrom('', ' ', 'a b', 'key\u00e9', 'k\u{1f600}', 'k\u200bk', `${'k'.repeat(255)}\u00a0`),
  fc.tuple(goodKey, goodKey)
).filter(value => Array.isArray(value) || !printable.test(trimOws(value)) || trimOws(value).length > 255)

const jsonTypes = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json; charset=latin1',
  'application/json;charset=UTF-16', 'application/json; boundary=x', `application/json; ${'a=b; '.repeat(150)}`, `application/json${' '.repeat(500)};`]
const textTypes = ['text/plain', 'text/plain; charset=utf-8']
const unparsedTypes = ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/xml', 'text/html',
  'application/vnd.api+json', 'application/jsonx', 'application/json-patch+json', 'text/json', '*/*', 'json', 'application/',
  '', 'application/octet-stream', 'application/json, text/plain']
/** For routes with a body schema: a text body fails it, others find no parser; `null` sends none. */
const schemaRouteBadType = fc.constantFrom<string | null>(null, ...textTypes, ...unparsedTypes)
const wrongPostMethod = fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET', 'OPTIONS')

function wrongPaths (path: string): fc.Arbitrary<string> {
  return fc.constantFrom(`${path}/`, path.replace('/api/', '/api//'), path.toUpperCase(), `${path}%00`, `${path};x`,
    path.replace(/\/([^/]+)$/, '/./$1'), `${path}/..`, `${path}.json`, path.replace(/^\/api/, '/api/v1'))
}

const percentEncode = (text: string): string => [...Buffer.from(text, 'utf8')]
  .map(byte => /[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
  .join('')

/** Path segments whose decoded value the route's parameter pattern refuses. */
function badSegment (pattern: RegExp, maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    hostileText(true, 1024).map(percentEncode),
    fc.tuple(fc.constantFrom('order_', 'item', ''), hostileText(true, 1024)).map(([prefix, tail]) => prefix + percentEncode(tail)),
    fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%00', '..', '.', '%2e%2e', 'a%2Fb', 'order_1%20', '%F0%9F%92%A9', '%EF%BB%BFitem',
      'order_1%0A', 'item.json', 'order-1', 'a'.repeat(8_000), 'a'.repeat(65), '%C0%AF', '%25', '*', 'item%3F')
  ).filter(segment => {
    try {
      const decoded = decodeURIComponent(segment)
      return !pattern.test(decoded) || decoded.length > maxLength
    } catch {
      return true
    }
  })
}

const decoration = fc.record({
  prefer: garbagePrefer.filter(noControl),
  'x-request-id': headerText,
  accept: fc.constantFrom('*/*', 'text/html', 'application/xml;q=0.9, */*;q=0.1', '\u00e9', ''),
  'content-encoding': fc.constantFrom('gzip', 'br', 'identity, gzip'),
  cookie: fc.constantFrom('__proto__=1; constructor=2', `a=${'b'.repeat(1000)}`)
}, { requiredKeys: [] })

// A fresh key per request: a record stored by mistake shows up as a new Redis key.
let sequence = 0
const freshKey = (): string => `hostile-${Date.now()}-${sequence++}`

interface Mutations {
  auth?: string | string[] | null
  key?: string | string[]
  method?: string
  path?: string
  contentType?: string | null
  body?: string
}

interface Base { method: string, path: string, auth?: string, contentType?: string, body?: string, idempotent?: boolean }

/** Applies mutations (each enough to refuse the request) and decorations (harmless on their own) to a valid request. */
function assemble (base: Base, m: Mutations, deco: Record<string, string>, jsonType: string, utf16: boolean): HostileRequest {
  const headers: Record<string, string | string[]> = { ...deco }
  const auth = 'auth' in m ? m.auth : base.auth
  if (auth !== undefined && auth !== null) headers.authorization = auth
  if (base.idempotent === true) headers['idempotency-key'] = m.key ?? freshKey()
  const contentType = 'contentType' in m ? m.contentType : base.contentType === undefined ? undefined : jsonType
  if (contentType !== undefined && contentType !== null) headers['content-type'] = contentType
  const text = m.body ?? base.body
  const body = text === undefined ? undefined : utf16 && m.body !== undefined ? Buffer.from(text, 'utf16le') : text
  return printed({ method: m.method ?? base.method, path: m.path ?? base.path, headers, body })
}

type MutationSpec = { [K in keyof Mutations]?: [weight: number, arbitrary: fc.Arbitrary<Mutations[K]>] }

/**
 * Requests built from `base` with refusing mutations: mostly exactly one (so each refusal is reached, not hidden
 * behind a 404 for the wrong method), sometimes several; none only when `base` is refused already.
 */
function hostileRequests (base: Base, spec: MutationSpec, baseRefused = false): fc.Arbitrary<HostileRequest> {
  const kinds = Object.keys(spec) as Array<keyof Mutations>
  const one = (kind: keyof Mutations): fc.Arbitrary<Mutations> =>
    (spec[kind]?.[1] as fc.Arbitrary<unknown>).map(value => ({ [kind]: value }) as Mutations)
  const single = fc.oneof(...kinds.map(kind => ({ weight: spec[kind]?.[0] ?? 1, arbitrary: one(kind) })))
  const several = fc.shuffledSubarray(kinds, { minLength: 2, maxLength: Math.min(3, kinds.length) })
    .chain(chosen => fc.tuple(...chosen.map(one)).map(parts => Object.assign({}, ...parts) as Mutations))
  const mutations = baseRefused
    ? fc.oneof({ weight: 4, arbitrary: fc.constant<Mutations>({}) }, { weight: 2, arbitrary: single }, { weight: 1, arbitrary: several })
    : fc.oneof({ weight: 6, arbitrary: single }, { weight: 1, arbitrary: several })
  return fc.tuple(mutations, decoration, fc.constantFrom(...jsonTypes), fc.boolean())
    .map(([m, deco, jsonType, utf16]) => assemble(base, m, deco as Record<string, string>, jsonType, utf16))
}

/** `arbitrary` once in `1 + noneWeight` draws, otherwise undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, noneWeight = 3): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: noneWeight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary })

// ---- bodies -------------------------------------------------------------------------------------------------------

const objectText = (fields: Array<[string, string]>): string => `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`
const pollutingKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'price', 'Quantity', 'variantid', 'amount ', '\u0000')
const anyJsonText = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map(v => JSON.stringify(v)),
  fc.constantFrom('{"polluted":1}', '{"prototype":{"polluted":1}}', '{"__proto__":{"polluted":1}}'), deepJson(3000))
const badStringJson = (identifier: boolean): fc.Arbitrary<string> => fc.oneof(
  hostileText(identifier).map(s => JSON.stringify(s)),
  fc.constantFrom('1', 'null', 'true', '[]', '{}', '["item"]', '{"$ne":null}', '"\\u0000"'),
  deepJson(8000))

/** Bodies a route with `schema` must refuse before its handler: broken fields, keys, duplicates, shapes, sizes. */
function badBodies (schema: TSchema, fields: Array<[string, string]>, badValue: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const valid = objectText(fields)
  const names = Object.keys(badValue)
  return fc.oneof(
    fc.constantFrom(...names).chain(name => badValue[name].map(value => objectText([...fields.filter(([k]) => k !== name), [name, value]]))),
    fc.constantFrom(...fields.map(([name]) => name)).map(name => objectText(fields.filter(([k]) => k !== name))),
    fc.tuple(fc.oneof(pollutingKeys, hostileText()), anyJsonText).map(([key, value]) => objectText([...fields, [key, value]])),
    fc.constantFrom(...names).chain(name => badValue[name].map(value => `${valid.slice(0, -1)},${JSON.stringify(name)}:${value}}`)),
    brokenJson(valid),
    nonObjectJson,
    deepJson(30_000),
    fc.constantFrom('', ' ', '\t\r\n', '\u3000', '\ufeff'),
    fc.integer({ min: 64 * 1024 + 1 - valid.length, max: 80 * 1024 }).map(pad => `${valid.slice(0, -1)}${' '.repeat(pad)}}`)
  ).filter(text => !reachesHandler(schema, text))
}

const createValid: Array<[string, string]> = [['variantId', '"item"'], ['quantity', '1'], ['amount', '1000']]
const createBodies = badBodies(CreateOrderBodySchema, createValid, {
  variantId: badStringJson(true),
  quantity: fc.oneof(badIntegerText(1, 100), badStringJson(false)),
  amount: badIntegerText(100, 10_000_000_000),
  currency: fc.oneof(hostileText().map(s => JSON.stringify(s)), fc.constantFrom('"USD"', '"inr"', '"INR "', '"\\u0130NR"', 'null', '["INR"]')),
  sessionId: fc.oneof(hostileText().map(s => JSON.stringify(s)), fc.constantFrom('""', '1', 'null', '{}', JSON.stringify('s'.repeat(129)))),
  customer: fc.oneof(
    hostileText().map(s => JSON.stringify({ id: s })),
    hostileText().map(s => JSON.stringify({ ip: s })),
    fc.constantFrom('null', '"c1"', '[]', '{"id":""}', '{"ip":"256.0.0.1"}', '{"ip":"::1%eth0"}', '{"ip":"1.2.3.4 "}',
      '{"ip":"' + '1:'.repeat(30) + '1"}', '{"email":"a@b.c"}', JSON.stringify({ id: 'c'.repeat(129) }))
  )
})

const verifyValid: Array<[string, string]> = [['razorpay_order_id', '"order_abc"'], ['razorpay_payment_id', '"pay_abc"'], ['razorpay_signature', '"abc123"']]
const prefixed = (prefix: string): fc.Arbitrary<string> => fc.oneof(badStringJson(true),
  hostileText(true).map(tail => JSON.stringify(prefix + tail)), fc.constant(JSON.stringify(prefix + 'a'.repeat(129))))
const verifyBodies = badBodies(VerifyPaymentBodySchema, verifyValid, {
  razorpay_order_id: prefixed('order_'),
  razorpay_payment_id: prefixed('pay_'),
  razorpay_signature: prefixed('')
})

const putValid: Array<[string, string]> = [['price', '1000'], ['currency', '"INR"'], ['stock', '10']]
const putBodies = badBodies(PutVariantBodySchema, putValid, {
  price: badIntegerText(1, 10_000_000_000),
  currency: fc.oneof(hostileText().map(s => JSON.stringify(s)), fc.constantFrom('"USD"', '"inr"', 'null')),
  stock: badIntegerText(0, 1_000_000_000)
})

/** Bodies the JSON parser itself refuses (routes without a body schema parse, then ignore, any JSON). */
const unparseableBodies = fc.oneof(
  brokenJson('{"reason":"x"}'),
  fc.constantFrom('', ' ', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}',
    '{"a":[{"__proto__":{"x":1}}]}', '{"\\u005f_proto__":{"polluted":1}}', '{"constructor":{"\\u0070rototype":{"polluted":1}}}'),
  fc.integer({ min: 64 * 1024 + 1, max: 80 * 1024 }).map(size => `{"a":"${'x'.repeat(size)}"}`)
)

// ---- properties ---------------------------------------------------------------------------------------------------

t.test('create-order: hostile requests get a JSON 4xx, store nothing and never reach Razorpay', async t => {
  const path = '/api/checkout/create-order'
  await check(hostileRequests({ method: 'POST', path, auth: shop.authorization, contentType: 'json', body: objectText(createValid), idempotent: true }, {
    auth: [2, badAuth(tokens.client)],
    key: [2, badKey],
    method: [1, wrongPostMethod],
    path: [1, wrongPaths(path)],
    contentType: [2, schemaRouteBadType],
    body: [8, createBodies]
  }), 400, async req => await exchange(req))
  t.pass('create-order held')
})

t.test('verify-payment: hostile requests get a JSON 4xx, store nothing and never reach Razorpay', async t => {
  const path = '/api/checkout/verify-payment'
  await check(hostileRequests({ method: 'POST', path, auth: shop.authorization, contentType: 'json', body: objectText(verifyValid), idempotent: true }, {
    auth: [2, badAuth(tokens.client)],
    key: [2, badKey],
    method: [1, wrongPostMethod],
    path: [1, wrongPaths(path)],
    contentType: [2, schemaRouteBadType],
    body: [6, verifyBodies]
  }), 300, async req => await exchange(req))
  t.pass('verify-payment held')
})

t.test('cancel: hostile requests get a JSON 4xx, store nothing and never reach Razorpay', async t => {
  const mutations: MutationSpec = {
    auth: [2, badAuth(tokens.client)],
    key: [2, badKey],
    method: [1, wrongPostMethod],
    contentType: [2, fc.constantFrom<string | null>(null, ...unparsedTypes)],
    body: [4, unparseableBodies]
  }
  // A well-formed id of no order is refused only by its handler (a 404 that is stored), so it needs a mutation too.
  await check(sometimes(badSegment(/^[A-Za-z0-9_]+$/, 64), 2).chain(segment =>
    hostileRequests({ method: 'POST', path: `/api/orders/${segment ?? 'order_doesnotexist'}/cancel`, auth: shop.authorization, contentType: 'json', body: '{}', idempotent: true },
      mutations, segment !== undefined)), 300, async req => await exchange(req))
  t.pass('cancel held')
})

t.test('GET order: hostile ids, tokens and headers get a JSON 4xx and touch nothing', async t => {
  const id = fc.oneof(badSegment(/^[A-Za-z0-9_]+$/, 64), fc.constantFrom('order_doesnotexist', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'))
  const method = sometimes(fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH'), 5)
  await check(fc.tuple(id, sometimes(badAuth(tokens.client), 2), decoration, method).map(([segment, auth, deco, method]) => {
    const headers: Record<string, string | string[]> = { ...deco as Record<string, string> }
    const authorization = auth === undefined ? shop.authorization : auth
    if (authorization !== null) headers.authorization = authorization
    return printed({ method: method ?? 'GET', path: `/api/orders/${segment}`, headers })
  }), 200, async req => await exchange(req))
  t.pass('GET order held')
})

const signed = (body: string | Buffer): string => createHmac('sha256', rzp.webhookSecret).update(body).digest('hex')
const webhookBase = JSON.stringify({ event: 'payment.captured', payload: { payment: { entity: { id: 'pay_hostile', order_id: 'order_unknown', amount: 1000, currency: 'INR', status: 'captured' } } } })
const orderIdValue = fc.oneof(headerText.map(s => JSON.stringify(s)), fc.constantFrom('null', '1e308', '-0', '[]', '["order_x"]', '{}', '{"a":1}', 'true', '"order_unknown"'))

/** Signed event bodies of every shape, none about an order the service knows. */
const signedEvents = fc.oneof(
  fc.tuple(fc.oneof(fc.constantFrom('"payment.captured"', '"order.paid"', '"payment.failed"', '"refund.processed"', '"payment.dispute.created"', '5', 'null', '{}'), headerText.map(s => JSON.stringify(s))),
    orderIdValue, fc.oneof(fc.constant('"pay_x"'), anyJsonText), anyJsonText)
    .map(([event, orderId, paymentId, extra]) => `{"event":${event},"payload":{"payment":{"entity":{"id":${paymentId},"order_id":${orderId},"amount":${extra},"status":${extra}}},"order":{"entity":{"id":${orderId}}}}}`),
  fc.jsonValue({ maxDepth: 4 }).filter(v => v !== null && typeof v === 'object' && !Array.isArray(v)).map(v => JSON.stringify(v)),
  fc.constantFrom('{"__proto__":{"polluted":1},"event":"payment.captured"}', '{"payload":{"payment":{"entity":{"id":"pay_x","order_id":"__proto__"}}}}'),
  deepJson(200_000).map(deep => `{"event":"x","payload":${deep}}`)
)

t.test('webhook: unsigned, missigned, oversized or malformed deliveries get a JSON 4xx; signed odd events are ignored', async t => {
  const path = '/api/webhooks/razorpay'
  const badSignature = fc.oneof(fc.constant(null), headerText, fc.constantFrom('', '0'.repeat(64), 'g'.repeat(64)),
    fc.constant<string[]>(['sig', 'sig']), fc.constant(createHmac('sha256', 'wrong-secret').update(webhookBase).digest('hex')))
  const arbitrary = fc.record({
    body: fc.oneof(signedEvents, fc.constant(webhookBase), brokenJson(webhookBase), nonObjectJson, fc.constantFrom('', ' ')),
    signature: sometimes(badSignature, 1),
    eventId: sometimes(fc.oneof(goodKey.map(k => `evt_${k}`.slice(0, 128)), headerText, fc.constant('e'.repeat(129))), 2),
    method: sometimes(wrongPostMethod, 8),
    path: sometimes(wrongPaths(path), 8),
    contentType: sometimes(fc.constantFrom<string | null>(null, ...textTypes, ...unparsedTypes), 5),
    oversize: fc.integer({ min: 0, max: 15 }).map(n => n === 0),
    deco: decoration
  })
  await check(arbitrary, 400, async w => {
    const body = w.oversize ? `${w.body}${' '.repeat(Math.max(0, 1024 * 1024 + 1 - Buffer.byteLength(w.body)))}` : w.body
    const headers: Record<string, string | string[]> = { ...w.deco as Record<string, string> }
    if (w.contentType !== null) headers['content-type'] = w.contentType ?? 'application/json'
    const signature = w.signature === undefined ? signed(body) : w.signature
    if (signature !== null) headers['x-razorpay-signature'] = signature
    if (w.eventId !== undefined) headers['x-razorpay-event-id'] = w.eventId
    const req = printed({ method: w.method ?? 'POST', path: w.path ?? path, headers, body })
    let parsed: unknown
    try { parsed = JSON.parse(body) } catch {}
    const deliverable = w.signature === undefined && w.method === undefined && w.path === undefined && w.contentType === undefined &&
      Buffer.byteLength(body) <= 1024 * 1024 && (w.eventId === undefined || (printable.test(trimOws(w.eventId)) && trimOws(w.eventId).length <= 128)) &&
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    await exchange(req, answer => deliverable
      ? (answer.status === 200 && /^\{"status":"(ignored|duplicate)"\}$/.test(answer.body) ? undefined : `a signed event for no known order answered ${answer.status}`)
      : refused(answer))
  })
  t.pass('webhook held')
})

t.test('admin: hostile PUT and GET requests get a JSON 4xx and change no variant', async t => {
  const item = async (): Promise<string> => (await app.inject({ method: 'GET', url: '/api/admin/variants/item', headers: admin })).body
  const before = await item()
  const unchanged = async (): Promise<string | undefined> => await item() === before ? undefined : 'variant item changed'
  const put = hostileRequests({ method: 'PUT', path: '/api/admin/variants/item', auth: admin.authorization, contentType: 'json', body: objectText(putValid) }, {
    auth: [2, badAuth(tokens.admin)],
    path: [2, badSegment(/^[A-Za-z0-9_.:-]+$/, 64).map(segment => `/api/admin/variants/${segment}`)],
    method: [1, fc.constantFrom('POST', 'DELETE', 'PATCH', 'OPTIONS')],
    contentType: [2, schemaRouteBadType],
    body: [6, putBodies]
  })
  await check(put, 250, async req => await exchange(req, refused, { after: unchanged }))
  const get = hostileRequests({ method: 'GET', path: '/api/admin/variants/nosuchvariant', auth: admin.authorization }, {
    auth: [1, badAuth(tokens.admin)],
    path: [1, badSegment(/^[A-Za-z0-9_.:-]+$/, 64).map(segment => `/api/admin/variants/${segment}`)]
  }, true)
  await check(get, 100, async req => await exchange(req, refused, { after: unchanged }))
  t.pass('admin held')
})

t.test('public routes answer hostile headers and queries normally, and refuse other methods with a JSON 4xx', async t => {
  const routes = ['/health/live', '/health/ready', '/openapi.json']
  const query = fc.constantFrom('', '?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', '?a=%00', '?a=%E0%A4%A', `?${'a=1&'.repeat(1000)}`,
    '?a[]=1&a[]=2', '?%F0%9F%92%A9=%E2%80%AE', '?__proto__.polluted=1', '?=&=&')
  const arbitrary = fc.record({
    route: fc.constantFrom(...routes),
    query,
    method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'),
    auth: badAuth([]).map(v => v ?? 'Bearer shop-token'),
    key: badKey,
    deco: decoration,
    body: sometimes(fc.oneof(brokenJson('{}'), deepJson(30_000)), 1)
  })
  await check(arbitrary, 200, async r => {
    const headers = { ...r.deco as Record<string, string | string[]>, authorization: r.auth, 'idempotency-key': r.key, 'content-type': 'application/json' }
    const req = printed({ method: r.method, path: r.route + r.query, headers, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : r.body ?? '{}' })
    await exchange(req, answer => {
      if (r.method !== 'GET' && r.method !== 'HEAD') return refused(answer)
      if (answer.status !== 200) return `${r.method} ${r.route} answered ${answer.status}`
      if (r.method === 'GET' && errorBodyProblem(answer) === undefined) return 'an error body'
      return undefined
    })
  })
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is not polluted')
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(','), prototypeBefore, 'Object.prototype has no new properties')
  // Every hostile path so far was counted under its route pattern or `unmatched`: a path never becomes a label.
  const metrics = (await app.operations.inject({ method: 'GET', url: '/metrics' })).body
  const series = [...metrics.matchAll(/^http_request_duration_seconds_count\{method="([A-Z]+)",route="([^"]*)"/gm)]
  t.ok(series.length > 10, 'requests were counted')
  const strays = series.filter(([, method, route]) => route !== 'unmatched' && !app.hasRoute({ method: method as 'GET', url: route }))
  t.same(strays.map(([line]) => line), [], 'no route label outside the registered routes')
})

t.test('garbage Prefer headers on requests that reach the idempotency layer never wait, fail or crash', async t => {
  const arbitrary = fc.record({
    prefer: fc.oneof(garbagePrefer.filter(noControl), fc.constant<string[]>(['wait=1', 'wait=x'])),
    route: fc.constantFrom('cancel', 'verify'),
    id: fc.constantFrom('order_doesnotexist', '__proto__', 'constructor', 'prototype', 'order_' + 'Z'.repeat(58))
  })
  await check(arbitrary, 80, async r => {
    const path = r.route === 'cancel' ? `/api/orders/${r.id}/cancel` : '/api/checkout/verify-payment'
    const body = r.route === 'cancel' ? '{}' : JSON.stringify({ razorpay_order_id: 'order_doesnotexist', razorpay_payment_id: 'pay_x', razorpay_signature: 'abc' })
    const req = printed({ method: 'POST', path, headers: { ...shop, 'content-type': 'application/json', 'idempotency-key': freshKey(), prefer: r.prefer }, body })
    const started = Date.now()
    await exchange(req, answer => {
      if (Date.now() - started > 2000) return `took ${Date.now() - started} ms`
      return answer.status === 404 ? errorBodyProblem(answer) : `answered ${answer.status}, not 404 ORDER_NOT_FOUND`
    }, { mayStore: true })
  })
  t.pass('Prefer held')
})

t.test('control characters in any header are refused with a JSON 400 before routing, storing nothing', async t => {
  const routes = ['POST /api/checkout/create-order', 'POST /api/checkout/verify-payment', 'GET /api/orders/order_x',
    'POST /api/orders/order_x/cancel', 'POST /api/webhooks/razorpay', 'PUT /api/admin/variants/item', 'GET /health/live']
  const control = fc.constantFrom('\u0000', '\u0001', '\u0007', '\u000b', '\u000c', '\u001b', '\u001f', '\u007f', '\r', '\n')
  const arbitrary = fc.record({
    route: fc.constantFrom(...routes),
    header: fc.constantFrom('idempotency-key', 'authorization', 'prefer', 'content-type', 'x-razorpay-signature', 'x-request-id'),
    value: fc.tuple(goodKey, control, fc.string({ unit: nastyChar, maxLength: 3 })).map(([a, c, b]) => a + c + b)
  })
  await check(arbitrary, 100, async r => {
    const [method, path] = r.route.split(' ')
    const headers: Record<string, string> = { authorization: r.route.includes('admin') ? admin.authorization : shop.authorization, 'content-type': 'application/json' }
    headers[r.header] = r.value
    const body = r.route.includes('create-order') ? objectText(createValid) : r.route.includes('admin') ? objectText(putValid) : '{}'
    await exchange(printed({ method, path, headers, body: method === 'GET' ? undefined : body }), answer =>
      answer.status !== 400 ? `status ${answer.status}, not 400` : JSON.parse(answer.body).statusCode === 400 ? undefined : 'statusCode is not 400')
  })
  t.pass('header control characters held')
})

// ---- deterministic cases ------------------------------------------------------------------------------------------

const createPath = '/api/checkout/create-order'
const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}): HostileRequest =>
  printed({ method: 'POST', path, headers: { ...shop, 'content-type': 'application/json', 'idempotency-key': freshKey(), ...headers }, body })

t.test('duplicate JSON keys: the last one counts, so a duplicate cannot smuggle a quantity past pricing', async t => {
  const last = await exchange(post(createPath, '{"variantId":"item","quantity":1,"amount":1000,"quantity":2}'), refused, { mayStore: true })
  t.match(JSON.parse(last.body), { statusCode: 422, code: 'AMOUNT_MISMATCH' }, 'priced for quantity 2, the last one')
  const invalid = await exchange(post(createPath, '{"variantId":"item","quantity":1,"amount":1000,"amount":1}'))
  t.equal(JSON.parse(invalid.body).code, 'FST_ERR_VALIDATION')
  await exchange(post(createPath, '{"variantId":"item","variantId":"it\u0000em","quantity":1,"amount":1000}'))
  await exchange(printed({ method: 'PUT', path: '/api/admin/variants/item', headers: { ...admin, 'content-type': 'application/json' }, body: '{"price":1000,"currency":"INR","stock":10,"stock":-1}' }))
})

t.test('a __proto__ or constructor.prototype key is refused and pollutes nothing', async t => {
  const bodies = ['{"__proto__":{"polluted":1},"variantId":"item","quantity":1,"amount":1000}',
    '{"variantId":"item","quantity":1,"amount":1000,"constructor":{"prototype":{"polluted":1}}}',
    '{"\\u005f\\u005fproto__":{"polluted":1},"variantId":"item","quantity":1,"amount":1000}',
    '{"variantId":"item","quantity":1,"amount":1000,"sessionId":{"__proto__":{"polluted":1}}}']
  for (const body of bodies) {
    const answer = await exchange(post(createPath, body))
    t.equal(answer.status, 400, body)
    await exchange(post('/api/orders/order_x/cancel', body))
    await exchange(post('/api/checkout/verify-payment', body))
  }
  await exchange(printed({ method: 'POST', path: '/api/webhooks/razorpay', headers: { 'content-type': 'application/json', 'x-razorpay-signature': signed(bodies[0]) }, body: bodies[0] }),
    answer => answer.status === 200 ? undefined : `signed webhook answered ${answer.status}`)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is not polluted')
  t.equal(Object.getOwnPropertyNames(Object.prototype).join(','), prototypeBefore)
})

t.test('body limits: create-order 64 KiB, webhooks 1 MiB, with or without a content-length', async t => {
  const padded = (size: number, start: string): string => `${start}${' '.repeat(size - start.length - 1)}}`
  const atLimit = await exchange(post(createPath, padded(64 * 1024, '{"variantId":"item","quantity":1,"amount":1')))
  t.equal(JSON.parse(atLimit.body).code, 'FST_ERR_VALIDATION', 'exactly 64 KiB is parsed (and validated)')
  const over = await exchange(post(createPath, padded(64 * 1024 + 1, '{"variantId":"item","quantity":1,"amount":1000')))
  t.equal(over.status, 413)
  const chunked = await getGlobalDispatcher().request({
    origin: url,
    path: createPath,
    method: 'POST',
    headers: { ...shop, 'content-type': 'application/json', 'idempotency-key': freshKey() },
    body: Readable.from([Buffer.from(padded(64 * 1024 + 1, '{"variantId":"item","quantity":1,"amount":1000'))])
  })
  t.equal(chunked.statusCode, 413, 'a chunked body is counted too')
  await chunked.body.text()
  const event = padded(1024 * 1024, '{"event":"payment.captured"')
  const accepted = await exchange(printed({ method: 'POST', path: '/api/webhooks/razorpay', headers: { 'content-type': 'application/json', 'x-razorpay-signature': signed(event) }, body: event }),
    answer => answer.status === 200 ? undefined : `a 1 MiB signed webhook answered ${answer.status}`)
  t.equal(accepted.body, '{"status":"ignored"}')
  const big = padded(1024 * 1024 + 1, '{"event":"payment.captured"')
  const refusedBig = await exchange(printed({ method: 'POST', path: '/api/webhooks/razorpay', headers: { 'content-type': 'application/json', 'x-razorpay-signature': signed(big) }, body: big }))
  t.equal(refusedBig.status, 413)
})

t.test('deep nesting is refused by create-order, verify-payment and admin, and harmless to webhooks', async t => {
  const deep = '['.repeat(30_000) + ']'.repeat(30_000)
  for (const body of [deep, `{"variantId":"item","quantity":1,"amount":1000,"x":${deep}}`, '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)]) {
    t.equal((await exchange(post(createPath, body))).status, 400)
    t.equal((await exchange(post('/api/checkout/verify-payment', body))).status, 400)
    await exchange(printed({ method: 'PUT', path: '/api/admin/variants/item', headers: { ...admin, 'content-type': 'application/json' }, body }))
  }
  const event = `{"event":"payment.captured","payload":${'['.repeat(500_000)}${']'.repeat(500_000)}}`
  const answer = await exchange(printed({ method: 'POST', path: '/api/webhooks/razorpay', headers: { 'content-type': 'application/json', 'x-razorpay-signature': signed(event) }, body: event }),
    answer => answer.status === 200 ? undefined : `answered ${answer.status}`)
  t.equal(answer.body, '{"status":"ignored"}')
})

t.test('a NUL in Idempotency-Key is refused with a 400, stores nothing and runs nothing', async t => {
  const body = objectText(createValid)
  const answer = await exchange(printed({ method: 'POST', path: createPath, headers: { ...shop, 'content-type': 'application/json', 'idempotency-key': 'abc\u0000def' }, body }),
    answer => answer.status === 400 ? undefined : `answered ${answer.status}`)
  t.equal(answer.transport, 'raw')
  t.equal(JSON.parse(answer.body).statusCode, 400)
})

t.test('text/plain and other non-JSON content types on create-order are refused', async t => {
  const body = objectText(createValid)
  const plain = await exchange(post(createPath, body, { 'content-type': 'text/plain' }))
  t.match(JSON.parse(plain.body), { statusCode: 400, code: 'FST_ERR_VALIDATION' })
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
    t.equal((await exchange(post(createPath, body, { 'content-type': type }))).status, 415, type)
  }
  const latin1 = await exchange(post(createPath, Buffer.from('{"variantId":"item","quantity":1,"amount":1000,"sessionId":"caf\u00e9"}', 'latin1'), { 'content-type': 'application/json; charset=latin1' }))
  t.equal(latin1.status, 400, 'a latin1 byte is not UTF-8: the sessionId holds U+FFFD and fails its pattern')
  const utf16 = await exchange(post(createPath, Buffer.from(body, 'utf16le'), { 'content-type': 'application/json; charset=utf-16' }))
  t.equal(utf16.status, 400, 'UTF-16 is not JSON')
})

t.test('Idempotency-Key bounds: 1 to 255 characters of 0x21-0x7E, nothing else', async t => {
  const invalidBody = '{"variantId":"item","quantity":1,"amount":1}'
  const code = async (key: string): Promise<string> => JSON.parse((await exchange(post(createPath, invalidBody, { 'idempotency-key': key }))).body).code
  for (const key of ['!', '~', 'k'.repeat(255), '!~"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}']) t.equal(await code(key), 'FST_ERR_VALIDATION', `accepted: ${clip(key, 20)}`)
  for (const key of ['k'.repeat(256), 'a b', 'a\u00a0b', 'a\u00e9b', 'a\u{1f4a9}b', 'a\u200bb', '\u202eabc', '']) t.equal(await code(key), 'IDEMPOTENCY_KEY_INVALID', `refused: ${clip(JSON.stringify(key), 20)}`)
})

t.test('malformed HTTP is refused before routing: nothing stored, nothing sent to Razorpay, the service lives', async t => {
  const { hostname, port } = new URL(url)
  const heads = [
    `POST ${createPath} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer shop-token\r\nContent-Type: application/json\r\nIdempotency-Key: a\u0000b\r\nContent-Length: 2\r\n\r\n{}`,
    'GET /health/live HTTP/1.1\r\nHost: x\r\n folded: yes\r\n\r\n',
    `POST ${createPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
    `POST ${createPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `POST ${createPath} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    `POST ${createPath} HTTP/1.1\r\nHost: x\r\nContent-Length: +2\r\n\r\n{}`,
    `P\u00d8ST ${createPath} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n',
    'GET /api/orders/a b HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /health/live HTTP/1.1\nHost: x\n\n',
    `GET /health/live HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`,
    'GET /health/live HTTP/1.1\r\n\r\n'
  ]
  for (const head of heads) {
    const before = await footprint(app, rzp)
    const answer = await rawExchange(hostname, Number(port), Buffer.from(head, 'latin1'))
    t.ok(answer.status === 400 || answer.status === 431, `${JSON.stringify(clip(head, 60))}: ${answer.status}`)
    t.same(await footprint(app, rzp), before, 'nothing stored or sent')
  }
  t.equal((await send(url, { method: 'GET', path: '/health/live', headers: {} })).status, 200)
})

// ---- bugs this file found; a `todo` marks one not fixed yet: drop it once it is --------------------------------

t.test('deeply nested cancel bodies answer a 4xx, not a 500', async t => {
  const levels = fc.tuple(fc.integer({ min: 1000, max: 30_000 }), fc.boolean())
  await check(levels, 40, async ([depth, arrays]) => {
    const body = arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth / 2) + '0' + '}'.repeat(depth / 2)
    await exchange(post('/api/orders/order_doesnotexist/cancel', body), refused, { mayStore: true })
  })
  t.pass('deep cancel bodies held')
})

t.test('the rate limit holds however the path is spelled', async t => {
  const local = await moneySetup(t, { RATE_LIMIT_MAX: '3' })
  const { hostname, port } = new URL(local.url)
  for (let i = 0; i < 4; i++) await send(local.url, { method: 'GET', path: '/api/orders/order_x', headers: shop })
  const encoded = await send(local.url, { method: 'GET', path: '/%61pi/orders/order_x', headers: shop })
  t.equal(encoded.status, 429, `percent-encoded /%61pi/: ${encoded.status} ${encoded.body}`)
  const absolute = await rawExchange(hostname, Number(port), Buffer.from(`GET http://x/api/orders/order_x HTTP/1.1\r\nHost: x\r\nAuthorization: ${shop.authorization}\r\nConnection: close\r\n\r\n`, 'latin1'))
  t.equal(absolute.status, 429, `absolute-form http://x/api/: ${absolute.status} ${absolute.body}`)
})

t.test('refusals made outside the error handler carry its body', async t => {
  const nul = await sendRaw(url, 'POST', createPath, { ...shop, 'content-type': 'application/json', 'idempotency-key': 'abc\u0000def' }, '{}')
  t.equal(errorBodyProblem(nul), undefined, `NUL in a header: ${nul.body}`)
  const long = await send(url, { method: 'GET', path: `/api/orders/${'a'.repeat(20_000)}`, headers: shop })
  t.equal(errorBodyProblem(long), undefined, `request head over 16 KiB: ${long.status} ${long.body}`)
})

t.test('refusals made by Node and the router carry the service error body', async t => {
  const { hostname, port } = new URL(url)
  const noHost = await rawExchange(hostname, Number(port), Buffer.from('GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n', 'latin1'))
  t.equal(errorBodyProblem(noHost), undefined, `HTTP/1.1 without Host: ${noHost.status} ${JSON.stringify(noHost.body)}`)
  const param = await send(url, { method: 'GET', path: `/api/orders/${'a'.repeat(101)}`, headers: shop })
  t.equal(JSON.parse(param.body).error, 'URI Too Long', `param over maxParamLength: ${param.status} ${param.body}`)
})

t.test('signed but malformed webhooks answer a 4xx, not a 500', async t => {
  const local = await moneySetup(t, { RATE_LIMIT_MAX: '1000000' })
  const created = await local.app.inject({ method: 'POST', url: createPath, headers: { ...shop, 'idempotency-key': 'real' }, payload: { variantId: 'item', quantity: 1, amount: 1000 } })
  const orderId: string = created.json().orderId
  const sign = (body: string): string => createHmac('sha256', local.rzp.webhookSecret).update(body).digest('hex')
  const bodies = ['{"event":"payment.captured","payload":{"payment":{"entity":{"id":"pay_x","order_id":{"toString":1}}}}}',
    JSON.stringify({ event: 5, payload: { payment: { entity: { id: 'pay_x', order_id: orderId } } } }),
    JSON.stringify({ event: {}, payload: { payment: { entity: { id: 'pay_x', order_id: orderId } } } })]
  for (const body of bodies) {
    const answer = await send(local.url, { method: 'POST', path: '/api/webhooks/razorpay', headers: { 'content-type': 'application/json', 'x-razorpay-signature': sign(body) }, body })
    t.ok(answer.status < 500, `${body}: ${answer.status} ${answer.body}`)
  }
})

t.test('a signature with an extra hex digit is refused', async t => {
  const body = '{"event":"x"}'
  const answer = await send(url, { method: 'POST', path: '/api/webhooks/razorpay', headers: { 'content-type': 'application/json', 'x-razorpay-signature': `${signed(body)}0` }, body })
  t.equal(answer.status, 401, `webhook: ${answer.body}`)
})
