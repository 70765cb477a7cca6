// Shared fixtures of the emulator tests: a started emulator, the official SDK pointed at it, a raw
// HTTP caller, and a webhook receiver that records exactly what arrived.
import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import Razorpay from 'razorpay'
import { request } from 'undici'
import { startEmulator } from '../../src/emulator/index.js'
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.js'

interface Teardown { teardown (fn: () => unknown): void }

export async function emulatorFor (t: Teardown, options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator(options)
  t.teardown(() => emulator.close())
  return emulator
}

export function sdkFor (emulator: RunningEmulator, timeoutMs = 5000, keySecret = emulator.keySecret): Razorpay {
  const instance = new Razorpay({ key_id: emulator.keyId, key_secret: keySecret })
  // The SDK hardcodes https://api.razorpay.com; its axios client is the documented way in.
  const defaults = (instance as unknown as { api: { rq: { defaults: Record<string, unknown> } } }).api.rq.defaults
  defaults.baseURL = emulator.url
  defaults.proxy = false
  defaults.timeout = timeoutMs
  return instance
}

/** The `Authorization` header of HTTP Basic auth with a key id and secret, as the SDK sends it. */
export function basicAuth (credentials: { keyId: string, keySecret: string }): string {
  return 'Basic ' + Buffer.from(`${credentials.keyId}:${credentials.keySecret}`).toString('base64')
}

export interface HttpResult {
  status: number
  headers: IncomingHttpHeaders
  text: string
  json: any
}

export interface CallOptions {
  body?: unknown
  auth?: false | { keyId: string, keySecret: string }
  timeoutMs?: number
  headers?: Record<string, string>
}

/** One HTTP call; /v1 paths carry the emulator's Basic auth unless `auth` says otherwise. */
export async function call (emulator: RunningEmulator, method: string, path: string, options: CallOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers }
  const credentials = options.auth ?? (path.startsWith('/v1') ? emulator : false)
  if (credentials !== false) {
    headers.authorization = basicAuth(credentials)
  }
  let body: string | undefined
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  const response = await request(emulator.url + path, {
    method: method as 'GET',
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000)
  })
  const text = await response.body.text()
  let json: any
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.statusCode, headers: response.headers as IncomingHttpHeaders, text, json }
}

export async function createOrder (emulator: RunningEmulator, body: Record<string, unknown> = {}): Promise<any> {
  const result = await call(emulator, 'POST', '/v1/orders', { body: { amount: 1499, currency: 'INR', ...body } })
  if (result.status !== 200) throw new Error(`order not created: ${result.status} ${result.text}`)
  return result.json
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders
  rawBody: string
  json: any
}

export interface Receiver {
  url: string
  received: ReceivedWebhook[]
  /** Status answered to the n-th request (0-based); 200 when it returns undefined. */
  respond: (index: number) => number | undefined
  /** Milliseconds to wait before answering the n-th request. */
  delay: (index: number) => number
}

export async function receiverFor (t: Teardown): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], respond: () => 200, delay: () => 0 }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8')
      const index = receiver.received.length
      receiver.received.push({ headers: req.headers, rawBody, json: JSON.parse(rawBody) })
      setTimeout(() => {
        res.statusCode = receiver.respond(index) ?? 200
        res.end()
      }, receiver.delay(index))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  }))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/razorpay`
  return receiver
}

export async function waitFor (condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** What a promise rejected with: the SDK throws plain objects, which tap's `rejects` is not typed for. */
export async function rejection (promise: Promise<unknown>): Promise<any> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

export async function eventually (condition: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
