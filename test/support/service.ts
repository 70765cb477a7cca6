// Fixtures for service tests: an emulator of the test's own, the env that points the service at it, the
// emulator's control surface, and a listening service instance for tests where the network matters.
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js'
import { basicAuth } from '../emulator/helpers.js'
import type { TestContext } from '../helper.js'

export interface EmulatorStats { ordersCreated: number, paymentsCreated: number, refundsCreated: number, requests: number, webhooksDelivered: number }

export async function emulator (t: TestContext, options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const running = await startEmulator({ webhookRetryDelaysMs: [], ...options })
  t.teardown(async () => await running.close())
  return running
}

export function emulatorEnv (running: RunningEmulator): Record<string, string> {
  return {
    RAZORPAY_KEY_ID: running.keyId,
    RAZORPAY_KEY_SECRET: running.keySecret,
    RAZORPAY_WEBHOOK_SECRET: running.webhookSecret,
    RAZORPAY_API_URL: running.url
  }
}

export async function control (running: RunningEmulator, method: 'GET' | 'POST' | 'DELETE', path: string,
  body?: unknown): Promise<any> {
  const response = await request(`${running.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.body.text()
  if (response.statusCode >= 400) throw new Error(`emulator ${method} ${path}: ${response.statusCode} ${text}`)
  return text === '' ? undefined : JSON.parse(text)
}

export async function emulatorStats (running: RunningEmulator): Promise<EmulatorStats> {
  return await control(running, 'GET', '/_emulator/stats')
}

export async function addFault (running: RunningEmulator, fault: Record<string, unknown>): Promise<void> {
  await control(running, 'POST', '/_emulator/faults', fault)
}

/** Lists the emulator's orders with the official API shape (newest first). */
export async function emulatorOrders (running: RunningEmulator, query = 'count=100'): Promise<any[]> {
  const response = await request(`${running.url}/v1/orders?${query}`, {
    headers: { authorization: basicAuth(running) }
  })
  return ((await response.body.json()) as { items: any[] }).items
}

/** Starts the app on a loopback port; returns its base URL. */
export async function listen (app: FastifyInstance): Promise<string> {
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

export interface HttpAnswer { status: number, headers: Record<string, string>, body: string }

export async function post (baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const response = await request(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await response.body.text()
  return { status: response.statusCode, headers: response.headers as Record<string, string>, body: text }
}

/**
 * Polls until `check` passes or the deadline; for waiting on background work without long sleeps. The deadline only
 * reports a test that went wrong, so the default is one no loaded machine reaches: a passing check returns at once.
 */
export async function eventually (check: () => Promise<boolean> | boolean, timeoutMs = 30_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}
