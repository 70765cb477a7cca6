// The emulator's checkout.js in a real browser, on a merchant page of another origin that uses it exactly as Razorpay's
// documentation shows: new Razorpay(options), rzp.on('payment.failed'), rzp.open(); the customer acts in the framed
// dialog. What the page's callbacks receive is checked against the emulator's own records.
import { createHmac } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import type { FrameLocator, Page } from 'playwright-core'
import { startEmulator } from '../../src/emulator/index.js'
import { launchBrowser } from '../support/browser.js'
import { call, createOrder } from './helpers.js'

// The functions given to page.evaluate() run in the page; this project compiles without the DOM library.
declare const window: any
declare const document: any

const emulator = await startEmulator()
t.teardown(() => emulator.close())
const browser = await launchBrowser(t)

// What a merchant page does, plus a log of every callback for the test to read. `sentinel()` resolves once every
// message posted before it has been dispatched to every listener (messages are delivered in order).
const merchantHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Merchant</title><script src="${emulator.url}/checkout/v1/checkout.js"></script></head>
<body><h1>Merchant</h1><script>
window.log = []
window.openCheckout = function (orderId, extra) {
  extra = extra || {}
  const rzp = new Razorpay({
    key: ${JSON.stringify(emulator.keyId)}, amount: 1499, currency: 'INR', order_id: orderId,
    name: 'Acme Tees', description: 'Blue tee, size M',
    prefill: { name: 'Gaurav Kumar', email: 'gaurav@example.com', contact: '+919876543210' },
    notes: { cart: 'c-1' }, theme: { color: '#0b7a3e' }, retry: extra.retry,
    handler: function (response) { window.log.push({ event: 'handler', response, fromInstance: this === rzp }) },
    modal: { escape: extra.escape, ondismiss: function (reason) { window.log.push({ event: 'dismiss', reason }) } }
  })
  rzp.on('payment.failed', function (response) { window.log.push({ event: 'payment.failed', response }) })
  window.rzp = rzp
  rzp.open()
}
window.sentinel = function () {
  return new Promise(function (resolve) {
    addEventListener('message', function seen (event) {
      if (event.data === 'sentinel') { removeEventListener('message', seen); resolve() }
    })
    postMessage('sentinel', '*')
  })
}
</script></body></html>`

// A page of the merchant's origin that claims, once loaded in the checkout frame, to be the dialog reporting a success.
const impostorHtml = `<!doctype html><html><head><meta charset="utf-8"><title>Impostor</title></head><body><script>
parent.postMessage({ source: 'razorpay-emulator-dialog', event: 'success',
  data: { razorpay_order_id: 'order_impostor', razorpay_payment_id: 'pay_impostor', razorpay_signature: 'x' } }, '*')
parent.postMessage('impostor-done', '*')
</script></body></html>`

const merchant = createServer((req, res) => {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.end(req.url === '/impostor' ? impostorHtml : merchantHtml)
})
await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve))
t.teardown(() => new Promise<void>((resolve) => {
  merchant.closeAllConnections()
  merchant.close(() => resolve())
}))
const merchantUrl = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}/`

interface Logged { event: string, response?: any, reason?: any, fromInstance?: boolean }

/** A phone-sized tab on the merchant page with checkout open on `orderId`. */
async function openCheckout (t: Test, orderId: string, extra: { escape?: boolean, retry?: unknown } = {}) {
  const context = await browser.newContext({ viewport: { width: 375, height: 667 } })
  t.teardown(() => context.close())
  // Every wait here ends on an event; a missing one should fail the test well before tap's timeout.
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  page.on('pageerror', (err) => t.fail(`script error on the page: ${err.message}`))
  await page.goto(merchantUrl)
  await page.evaluate(([id, options]) => window.openCheckout(id, options), [orderId, extra] as const)
  const frame = page.frameLocator('iframe.razorpay-checkout-frame')
  await frame.getByRole('button', { name: 'Pay ₹14.99' }).waitFor()
  return { page, frame }
}

const log = async (page: Page): Promise<Logged[]> => await page.evaluate(() => window.log)

async function logged (page: Page, event: string, count = 1): Promise<Logged[]> {
  await page.waitForFunction(([name, n]) => window.log.filter((e: Logged) => e.event === name).length >= n, [event, count] as const)
  return (await log(page)).filter((e) => e.event === event)
}

const overlays = (page: Page) => page.locator('.razorpay-container').count()
const signatureOf = (orderId: string, paymentId: string) =>
  createHmac('sha256', emulator.keySecret).update(`${orderId}|${paymentId}`).digest('hex')
const paymentsCreated = async () => (await call(emulator, 'GET', '/_emulator/stats')).json.paymentsCreated as number

function buttons (frame: FrameLocator) {
  return {
    pay: frame.locator('#rzp-pay'),
    fail: frame.getByRole('button', { name: 'Fail payment' }),
    close: frame.getByRole('button', { name: 'Close' })
  }
}

t.test('Pay calls the handler with the three fields, a signature that verifies, and removes the overlay', async (t) => {
  const order = await createOrder(emulator)
  const { page, frame } = await openCheckout(t, order.id)
  for (const text of ['Test mode', 'Acme Tees', 'Blue tee, size M', '₹14.99', 'gaurav@example.com', '+919876543210']) {
    t.ok(await frame.getByText(text).first().isVisible(), `shows ${text}`)
  }
  // The dialog fits a 375px phone: nothing sticks out sideways.
  for (const button of Object.values(buttons(frame))) {
    const box = await button.boundingBox()
    t.ok(box !== null && box.x >= 0 && box.x + box.width <= 375, 'a button within the screen')
  }
  await page.evaluate(() => window.rzp.open())
  t.equal(await page.locator('iframe.razorpay-checkout-frame').count(), 1, 'a second open() opens no second dialog')

  await buttons(frame).pay.click()
  const [handled] = await logged(page, 'handler')
  t.same(Object.keys(handled?.response).sort(), ['razorpay_order_id', 'razorpay_payment_id', 'razorpay_signature'])
  const { razorpay_order_id: orderId, razorpay_payment_id: paymentId, razorpay_signature: signature } = handled?.response
  t.equal(orderId, order.id)
  t.equal(signature, signatureOf(order.id, paymentId), 'HMAC-SHA256 of order_id|payment_id under the key secret')
  t.equal(handled?.fromInstance, true, 'the handler runs with the Razorpay instance as this')
  t.equal(await overlays(page), 0, 'the overlay is gone')
  t.match((await call(emulator, 'GET', `/v1/payments/${paymentId}`)).json, { status: 'captured', order_id: order.id })
  t.same((await log(page)).map((e) => e.event), ['handler'], 'no dismiss after a payment')
})

t.test('Fail payment emits payment.failed with the error shape; the dialog stays and Pay retries on the same order', async (t) => {
  const order = await createOrder(emulator)
  const before = await paymentsCreated()
  const { page, frame } = await openCheckout(t, order.id)
  // A double click makes one payment: the buttons are disabled before the request leaves.
  await buttons(frame).fail.dblclick()
  const [failed] = await logged(page, 'payment.failed')
  const error = failed?.response.error
  t.match(error, { code: 'BAD_REQUEST_ERROR', description: 'Payment failed', source: 'customer', step: 'payment_authentication', reason: 'payment_failed' })
  t.equal(error.metadata.order_id, order.id)
  t.match((await call(emulator, 'GET', `/v1/payments/${error.metadata.payment_id}`)).json, { status: 'failed', order_id: order.id })
  await frame.getByText(/Payment failed/).waitFor()
  t.equal(await overlays(page), 1, 'the dialog stays open for a retry')

  await buttons(frame).pay.click()
  const [handled] = await logged(page, 'handler')
  t.equal(handled?.response.razorpay_order_id, order.id)
  t.not(handled?.response.razorpay_payment_id, error.metadata.payment_id, 'the retry is a new payment')
  t.equal(handled?.response.razorpay_signature, signatureOf(order.id, handled?.response.razorpay_payment_id))
  t.equal(await paymentsCreated() - before, 2, 'one failed payment for the double click, one captured')
  t.equal((await logged(page, 'payment.failed')).length, 1)
  t.match((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json, { status: 'paid', attempts: 2 })
})

t.test('with retry disabled a failure closes checkout and ondismiss gets the error', async (t) => {
  const order = await createOrder(emulator)
  const { page, frame } = await openCheckout(t, order.id, { retry: { enabled: false } })
  await buttons(frame).fail.click()
  const [dismissed] = await logged(page, 'dismiss')
  const [failed] = await logged(page, 'payment.failed')
  t.same(dismissed?.reason, failed?.response)
  t.equal(await overlays(page), 0)
})

t.test('Close calls ondismiss and removes the overlay; so does rzp.close()', async (t) => {
  const order = await createOrder(emulator)
  const { page, frame } = await openCheckout(t, order.id)
  await buttons(frame).close.click()
  await logged(page, 'dismiss')
  t.equal(await overlays(page), 0)
  t.equal(await page.evaluate(() => document.body.style.overflow), '', 'the page scrolls again')

  await page.evaluate(() => window.rzp.open())
  await buttons(frame).pay.waitFor()
  await page.evaluate(() => window.rzp.close())
  await logged(page, 'dismiss', 2)
  t.equal(await overlays(page), 0)
  t.same((await log(page)).map((e) => e.event), ['dismiss', 'dismiss'])
  t.equal((await call(emulator, 'GET', `/v1/orders/${order.id}`)).json.attempts, 0, 'no payment made')
})

t.test('Escape dismisses, on the page or in the dialog, unless modal.escape is false', async (t) => {
  const order = await createOrder(emulator)
  const onPage = await openCheckout(t, order.id)
  // The dialog takes the focus when it loads; give it back to the page.
  await onPage.page.evaluate(() => document.querySelector('iframe.razorpay-checkout-frame').blur())
  await onPage.page.keyboard.press('Escape')
  await logged(onPage.page, 'dismiss')
  t.equal(await overlays(onPage.page), 0)

  const inDialog = await openCheckout(t, order.id)
  await buttons(inDialog.frame).pay.press('Escape')
  await logged(inDialog.page, 'dismiss')
  t.equal(await overlays(inDialog.page), 0)

  const kept = await openCheckout(t, order.id, { escape: false })
  await buttons(kept.frame).pay.press('Escape')
  await kept.page.evaluate(() => document.querySelector('iframe.razorpay-checkout-frame').blur())
  await kept.page.keyboard.press('Escape')
  await kept.page.evaluate(() => window.sentinel())
  t.equal(await overlays(kept.page), 1, 'still open')
  t.same(await log(kept.page), [])
})

t.test('ignores messages from anything but its own dialog: the page itself, or another emulator frame', async (t) => {
  const order = await createOrder(emulator)
  const other = await createOrder(emulator)
  const { page, frame } = await openCheckout(t, order.id)
  const forged = { razorpay_order_id: order.id, razorpay_payment_id: 'pay_forged00000000', razorpay_signature: 'f'.repeat(64) }
  await page.evaluate((data) => {
    window.postMessage({ source: 'razorpay-emulator-dialog', event: 'success', data }, '*')
    window.postMessage({ source: 'razorpay-emulator-dialog', event: 'dismiss' }, '*')
  }, forged)
  await page.evaluate(() => window.sentinel())
  t.same(await log(page), [], 'a success or dismiss posted by the page is ignored')
  t.equal(await overlays(page), 1)

  // A second dialog of the emulator's origin, framed by the page itself: its genuine success is not this checkout's.
  const hash = encodeURIComponent(JSON.stringify({ key: emulator.keyId, order_id: other.id, amount: 1499, currency: 'INR', origin: new URL(merchantUrl).origin }))
  await page.evaluate((src) => {
    const rogue = document.createElement('iframe')
    rogue.id = 'rogue'
    rogue.src = src
    window.rogueSaid = []
    window.addEventListener('message', (event: any) => {
      if (event.source === rogue.contentWindow) window.rogueSaid.push(event.data.event)
    })
    document.body.appendChild(rogue)
  }, `${emulator.url}/checkout/dialog#${hash}`)
  // The checkout overlay covers the rogue frame, as it covers the page: press its button without a pointer.
  await page.frameLocator('#rogue').locator('#rzp-pay').dispatchEvent('click')
  // This listener was added after checkout.js's, so checkout.js has seen the message once it is recorded here.
  await page.waitForFunction(() => window.rogueSaid.includes('success'))
  t.same(await log(page), [], 'the other frame\'s success is ignored')
  t.equal(await overlays(page), 1)

  await buttons(frame).pay.click()
  const [handled] = await logged(page, 'handler')
  t.equal(handled?.response.razorpay_order_id, order.id, 'its own dialog is still heard')
})

t.test('ignores its own frame once it shows a page of another origin', async (t) => {
  const order = await createOrder(emulator)
  const { page } = await openCheckout(t, order.id)
  // The frame element and its window stay the checkout's; only the origin of what it shows gives the impostor away.
  await page.evaluate((src) => new Promise((resolve) => {
    window.addEventListener('message', (event: any) => { if (event.data === 'impostor-done') resolve(undefined) })
    document.querySelector('iframe.razorpay-checkout-frame').src = src
  }), new URL('/impostor', merchantUrl).href)
  t.same(await log(page), [], 'a success from another origin in the checkout frame is ignored')
  t.equal(await overlays(page), 1)
})
