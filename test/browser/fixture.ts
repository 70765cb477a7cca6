// What the browser tests share: the service as a real process with a Redis and a Razorpay emulator of its own, a
// headless Chromium, the demo page opened in a fresh tab, the emulator's Checkout dialog, and readings of the
// service and the emulator that a test asserts on (never the page alone).
import { mkdir } from 'node:fs/promises'
import type { Browser, BrowserContextOptions, FrameLocator, Page, Request } from 'playwright-core'
import { request } from 'undici'
import type { RunningEmulator } from '../../src/emulator/index.js'
import type { TestContext } from '../helper.js'
import { launchBrowser } from '../support/browser.js'
import { startRedisServer } from '../support/redis-server.js'
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js'
import { emulator, emulatorEnv, emulatorStats, type EmulatorStats } from '../support/service.js'

export const adminToken = 'admin-token-of-the-browser-tests'
export const screenshotDir = new URL('../../test-results/', import.meta.url)

export interface Stack { service: ServiceProcess, rzp: RunningEmulator, browser: Browser }

/** Redis, the emulator (its webhooks go to the service) and the service, started the way an operator would. */
export async function startStack (t: TestContext, env: Record<string, string> = {}): Promise<Stack> {
  const redis = await startRedisServer()
  t.teardown(async () => await redis.stop())
  const rzp = await emulator(t)
  const service = await startServiceProcess({
    REDIS_URL: redis.url,
    ...emulatorEnv(rzp),
    RAZORPAY_CHECKOUT_SCRIPT_URL: `${rzp.url}/checkout/v1/checkout.js`,
    ADMIN_TOKEN: adminToken,
    ...env
  })
  t.teardown(async () => await service.kill('SIGKILL'))
  rzp.setWebhookUrl(`${service.url}/api/webhooks/razorpay`)
  return { service, rzp, browser: await launchBrowser(t) }
}

export interface DemoTab {
  page: Page
  /** Every create-order request the page sent, in order (a retry included). */
  createOrderRequests: Request[]
  /** Console errors, failed loads and error answers (a Content-Security-Policy violation shows here). */
  problems: string[]
}

/** The demo page in a new browser context: a new tab with empty session storage. */
export async function openDemo (t: TestContext, stack: Stack, options: BrowserContextOptions = {}): Promise<DemoTab> {
  const context = await stack.browser.newContext({ viewport: { width: 1024, height: 900 }, ...options })
  t.teardown(async () => await context.close())
  const page = await context.newPage()
  const tab: DemoTab = { page, createOrderRequests: [], problems: [] }
  page.on('request', (sent) => {
    if (sent.method() === 'POST' && sent.url().endsWith('/api/checkout/create-order')) tab.createOrderRequests.push(sent)
  })
  page.on('console', (message) => { if (message.type() === 'error') tab.problems.push(message.text()) })
  page.on('pageerror', (err) => tab.problems.push(err.message))
  page.on('response', (answer) => { if (answer.status() >= 400) tab.problems.push(`${answer.status()} ${answer.url()}`) })
  await gotoDemo(page, stack.service.url)
  return tab
}

/** Loads /demo and waits until the page has read the catalog and enabled Pay. */
export async function gotoDemo (page: Page, serviceUrl: string): Promise<void> {
  await page.goto(`${serviceUrl}/demo`)
  await page.locator('body[data-ready="true"]').waitFor()
}

export async function chooseCart (page: Page, variantId: string, quantity: number): Promise<void> {
  await page.selectOption('#variant', variantId)
  await page.fill('#quantity', String(quantity))
}

/**
 * The start of every checkout test: a variant of the test's own (price 2500 paise, `stock` units, so its counts show
 * only this test's orders), the page opened on it in a new tab, and the emulator's counters before anything is paid.
 */
export async function beginCheckout (t: TestContext, stack: Stack, variantId: string, quantity: number, stock = 10,
  options: BrowserContextOptions = {}): Promise<{ tab: DemoTab, before: EmulatorStats }> {
  await putVariant(stack, variantId, 2500, stock)
  const tab = await openDemo(t, stack, options)
  const before = await emulatorStats(stack.rzp)
  await chooseCart(tab.page, variantId, quantity)
  return { tab, before }
}

/** The element's text once it equals `expected` (the page updates it after a request), or its text after 10 s. */
export async function settledText (page: Page, selector: string, expected: string): Promise<string> {
  const element = page.locator(selector)
  await element.filter({ hasText: expected }).waitFor({ timeout: 10_000 }).catch(() => {})
  return await element.innerText()
}

/** The Checkout dialog, once it is open. */
export async function checkoutDialog (page: Page): Promise<FrameLocator> {
  await page.locator('iframe.razorpay-checkout-frame').waitFor()
  return page.frameLocator('iframe.razorpay-checkout-frame')
}

/** Waits for the step named `name` to appear `count` times and returns the last one's text. */
export async function stepText (page: Page, name: string, count = 1): Promise<string> {
  const steps = page.locator(`#steps li[data-step="${name}"]`)
  await steps.nth(count - 1).waitFor()
  return await steps.nth(count - 1).innerText()
}

/** The idempotency key each create-order request carried. */
export function keysSent (tab: DemoTab): string[] {
  return tab.createOrderRequests.map((sent) => sent.headers()['idempotency-key'])
}

export async function keyKeptInTab (page: Page): Promise<string | null> {
  // A string: the expression runs in the page, whose globals this file's types do not know.
  return await page.evaluate<string | null>("window.sessionStorage.getItem('payment-client:demo-checkout')")
}

async function getJson (url: string, headers: Record<string, string> = {}): Promise<any> {
  const answer = await request(url, { headers })
  const body = await answer.body.json()
  if (answer.statusCode !== 200) throw new Error(`GET ${url}: ${answer.statusCode} ${JSON.stringify(body)}`)
  return body
}

/** A variant of the test's own, so that its stock counts show only this test's orders. */
export async function putVariant (stack: Stack, variantId: string, price: number, stock: number): Promise<void> {
  const answer = await request(`${stack.service.url}/api/admin/variants/${variantId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ price, currency: 'INR', stock })
  })
  if (answer.statusCode !== 200) throw new Error(`PUT variant: ${answer.statusCode} ${await answer.body.text()}`)
  await answer.body.dump()
}

/** available, reserved, sold (and oversold) as the service's catalog holds them. */
export async function stockOf (stack: Stack, variantId: string): Promise<{ available: number, reserved: number, sold: number, oversold?: number }> {
  return await getJson(`${stack.service.url}/api/admin/variants/${variantId}`, { authorization: `Bearer ${adminToken}` })
}

/** The order as the service holds it (the demo runs as the development client `anonymous`). */
export async function serviceOrder (stack: Stack, orderId: string): Promise<{ status: string, amount: number }> {
  return await getJson(`${stack.service.url}/api/orders/${encodeURIComponent(orderId)}`)
}

/** The emulator's counters since `before`. */
export async function statsSince (rzp: RunningEmulator, before: EmulatorStats): Promise<{ ordersCreated: number, paymentsCreated: number, refundsCreated: number }> {
  const now = await emulatorStats(rzp)
  return {
    ordersCreated: now.ordersCreated - before.ordersCreated,
    paymentsCreated: now.paymentsCreated - before.paymentsCreated,
    refundsCreated: now.refundsCreated - before.refundsCreated
  }
}

/** The order id a step names ("Order order_… created …"). */
export function orderIdIn (text: string): string {
  const match = /order_[A-Za-z0-9]+/.exec(text)
  if (match === null) throw new Error(`no order id in "${text}"`)
  return match[0]
}

export async function screenshot (page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true })
  const path = new URL(name, screenshotDir).pathname
  await page.screenshot({ path, fullPage: true })
  return path
}
