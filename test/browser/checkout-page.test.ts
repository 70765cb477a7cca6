// The checkout demo in a real browser (Debian's Chromium through playwright-core), against the service as a process,
// its Redis and the Razorpay emulator's Checkout. Each test asserts on what the service and the emulator hold: how
// many Razorpay orders and payments were made, the order's status, the variant's stock.
import t from 'tap'
import { copyFile } from 'node:fs/promises'
import {
  beginCheckout, checkoutDialog, gotoDemo, keyKeptInTab, keysSent, openDemo, orderIdIn, screenshot, serviceOrder,
  settledText, startStack, statsSince, stepText, stockOf
} from './fixture.js'

const stack = await startStack(t)

t.test('the happy path ends paid with one Razorpay order, one payment and the key cleared', async t => {
  const { tab, before } = await beginCheckout(t, stack, 'browser-happy', 2)
  t.equal(await settledText(tab.page, '#total', '₹50.00'), '₹50.00', 'the total is price x quantity from the catalog')

  await tab.page.click('#pay')
  const key = (await stepText(tab.page, 'key')).split(': ')[1]
  const orderId = orderIdIn(await stepText(tab.page, 'order'))
  t.equal(await keyKeptInTab(tab.page), key, 'the key is kept in session storage while the order is unpaid')
  await (await checkoutDialog(tab.page)).locator('#rzp-pay').click()
  t.match(await stepText(tab.page, 'paid'), orderId)
  await tab.page.locator('#paid').waitFor()

  t.same(keysSent(tab), [key], 'one create-order request, with the key the page showed')
  t.same(await statsSince(stack.rzp, before), { ordersCreated: 1, paymentsCreated: 1, refundsCreated: 0 })
  t.equal((await serviceOrder(stack, orderId)).status, 'paid')
  t.match(await stockOf(stack, 'browser-happy'), { available: 8, reserved: 0, sold: 2 })
  t.equal(await keyKeptInTab(tab.page), null, 'the key is cleared on success')
  t.same(tab.problems, [], 'no console error, no refused load (Content-Security-Policy included)')

  const path = await screenshot(tab.page, 'checkout-paid.png')
  // The README's picture, refreshed by an explicit run: UPDATE_SCREENSHOT=1 npx tap test/browser/checkout-page.test.ts
  if (process.env.UPDATE_SCREENSHOT === '1') await copyFile(path, new URL('../../docs/checkout-paid.png', import.meta.url))
})

t.test('the page runs the payment client module itself, the one Node callers import', async t => {
  const tab = await openDemo(t, stack)
  // A string: the expression runs in the page, whose globals this file's types do not know.
  const loaded = await tab.page.evaluate<string[]>("import('/demo/client/index.js').then((module) => Object.keys(module).sort())")
  t.match(loaded, ['MemoryKeyStore', 'PaymentApiError', 'PaymentClient', 'SessionStorageKeyStore', 'newIdempotencyKey'].map(name => new RegExp(`^${name}$`)))
  const source = await (await tab.page.request.get(`${stack.service.url}/demo/client/index.js`)).text()
  t.match(source, /class PaymentClient/)
  t.notMatch(source, /node:|undici/, 'no Node-only import on the browser path')
})

t.test('a double click on Pay creates one order and opens one dialog', async t => {
  const { tab, before } = await beginCheckout(t, stack, 'browser-double', 1)
  await tab.page.dblclick('#pay')
  await stepText(tab.page, 'checkout')
  const dialog = await checkoutDialog(tab.page)
  t.equal(await tab.page.locator('iframe.razorpay-checkout-frame').count(), 1, 'one Checkout dialog')
  await dialog.locator('#rzp-pay').click()
  await stepText(tab.page, 'paid')

  t.equal(new Set(keysSent(tab)).size, 1, 'every create-order request carried the same key')
  t.same(await statsSince(stack.rzp, before), { ordersCreated: 1, paymentsCreated: 1, refundsCreated: 0 })
  t.match(await stockOf(stack, 'browser-double'), { available: 9, reserved: 0, sold: 1 })
})

t.test('a reload between order creation and payment reuses the key and gets the same order back, replayed', async t => {
  const { tab, before } = await beginCheckout(t, stack, 'browser-reload', 3)
  await tab.page.click('#pay')
  const firstOrder = orderIdIn(await stepText(tab.page, 'order'))
  await checkoutDialog(tab.page)

  await gotoDemo(tab.page, stack.service.url)
  t.match(await stepText(tab.page, 'resume'), /unpaid order/, 'the reloaded page knows an order is under way')
  t.equal(await tab.page.inputValue('#variant'), 'browser-reload', 'the cart is restored')
  t.equal(await tab.page.inputValue('#quantity'), '3')
  await tab.page.click('#pay')
  const replayed = await stepText(tab.page, 'order')
  t.match(replayed, /replayed/)
  t.equal(orderIdIn(replayed), firstOrder, 'the same order')
  await (await checkoutDialog(tab.page)).locator('#rzp-pay').click()
  await stepText(tab.page, 'paid')

  const keys = keysSent(tab)
  t.equal(keys.length, 2)
  t.equal(keys[0], keys[1], 'the reloaded page sent the key of the first attempt')
  t.same(await statsSince(stack.rzp, before), { ordersCreated: 1, paymentsCreated: 1, refundsCreated: 0 })
  t.equal((await serviceOrder(stack, firstOrder)).status, 'paid')
  t.match(await stockOf(stack, 'browser-reload'), { available: 7, reserved: 0, sold: 3 })
})

t.test('a failed payment, then a retry on the same order, ends paid with nothing oversold', async t => {
  const { tab, before } = await beginCheckout(t, stack, 'browser-retry', 1, 1)
  await tab.page.click('#pay')
  const orderId = orderIdIn(await stepText(tab.page, 'order'))
  const key = await keyKeptInTab(tab.page)
  const dialog = await checkoutDialog(tab.page)
  await dialog.locator('#rzp-fail').click()
  t.match(await stepText(tab.page, 'failed'), /failed/)
  await dialog.locator('#rzp-close').click()
  await tab.page.locator('#unpaid').waitFor()
  t.equal(await keyKeptInTab(tab.page), key, 'the key is kept after a failure')
  t.match(await serviceOrder(stack, orderId), { status: /^(created|failed)$/ }, 'the order stays payable')
  t.match(await stockOf(stack, 'browser-retry'), { available: 0, reserved: 1 }, 'its reservation is held')

  await tab.page.click('#pay-again')
  t.equal(orderIdIn(await stepText(tab.page, 'order', 2)), orderId, 'paying again uses the same order')
  await (await checkoutDialog(tab.page)).locator('#rzp-pay').click()
  await stepText(tab.page, 'paid')

  t.same(await statsSince(stack.rzp, before), { ordersCreated: 1, paymentsCreated: 2, refundsCreated: 0 })
  t.equal((await serviceOrder(stack, orderId)).status, 'paid')
  const stock = await stockOf(stack, 'browser-retry')
  t.match(stock, { available: 0, reserved: 0, sold: 1 })
  t.notOk(stock.oversold, 'nothing oversold')
})

t.test('starting over after a failure cancels the old order, returns its stock and pays a new one', async t => {
  const { tab, before } = await beginCheckout(t, stack, 'browser-restart', 1, 1)
  await tab.page.click('#pay')
  const oldOrder = orderIdIn(await stepText(tab.page, 'order'))
  const oldKey = await keyKeptInTab(tab.page)
  const dialog = await checkoutDialog(tab.page)
  await dialog.locator('#rzp-fail').click()
  await stepText(tab.page, 'failed')
  await dialog.locator('#rzp-close').click()
  await tab.page.click('#start-over')
  t.match(await stepText(tab.page, 'cancelled'), oldOrder)
  t.equal((await serviceOrder(stack, oldOrder)).status, 'cancelled')
  t.match(await stockOf(stack, 'browser-restart'), { available: 1, reserved: 0 }, 'the one unit is back')
  t.equal(await keyKeptInTab(tab.page), null, 'the old key is dropped')

  await tab.page.click('#pay')
  const newOrder = orderIdIn(await stepText(tab.page, 'order', 2))
  t.not(newOrder, oldOrder, 'a new order')
  t.not(await keyKeptInTab(tab.page), oldKey, 'under a new key')
  await (await checkoutDialog(tab.page)).locator('#rzp-pay').click()
  await stepText(tab.page, 'paid')
  t.same(await statsSince(stack.rzp, before), { ordersCreated: 2, paymentsCreated: 2, refundsCreated: 0 })
  t.match(await stockOf(stack, 'browser-restart'), { available: 0, reserved: 0, sold: 1 })
})

t.test('a create-order whose answer the network loses is retried with the same key and makes one order', async t => {
  const { tab, before } = await beginCheckout(t, stack, 'browser-network', 1)
  let lost = 0
  // The first request reaches the service and creates the order; its answer never reaches the page.
  await tab.page.route('**/api/checkout/create-order', async (route) => {
    if (lost > 0) return await route.continue()
    lost++
    await route.fetch()
    await route.abort('connectionreset')
  })
  await tab.page.click('#pay')
  const order = await stepText(tab.page, 'order')
  t.match(order, /replayed/, 'the retry got the first answer back')
  await (await checkoutDialog(tab.page)).locator('#rzp-pay').click()
  await stepText(tab.page, 'paid')

  const keys = keysSent(tab)
  t.equal(keys.length, 2, 'the client retried once')
  t.equal(keys[0], keys[1], 'with the same key')
  t.same(await statsSince(stack.rzp, before), { ordersCreated: 1, paymentsCreated: 1, refundsCreated: 0 })
  t.equal((await serviceOrder(stack, orderIdIn(order))).status, 'paid')
  t.match(await stockOf(stack, 'browser-network'), { available: 9, reserved: 0, sold: 1 })
})

t.test('closing the Checkout dialog leaves the order payable', async t => {
  const { tab, before } = await beginCheckout(t, stack, 'browser-dismiss', 1)
  await tab.page.click('#pay')
  const orderId = orderIdIn(await stepText(tab.page, 'order'))
  await (await checkoutDialog(tab.page)).locator('#rzp-close').click()
  await tab.page.locator('#unpaid').waitFor()
  t.match(await tab.page.locator('#unpaid-text').innerText(), /stays payable/)
  t.equal(await tab.page.locator('iframe.razorpay-checkout-frame').count(), 0, 'the dialog is gone')
  t.equal((await serviceOrder(stack, orderId)).status, 'created')
  t.match(await stockOf(stack, 'browser-dismiss'), { available: 9, reserved: 1 })

  await tab.page.click('#pay-again')
  t.equal(orderIdIn(await stepText(tab.page, 'order', 2)), orderId)
  await (await checkoutDialog(tab.page)).locator('#rzp-pay').click()
  await stepText(tab.page, 'paid')
  t.same(await statsSince(stack.rzp, before), { ordersCreated: 1, paymentsCreated: 1, refundsCreated: 0 })
  t.equal((await serviceOrder(stack, orderId)).status, 'paid')
})

t.test('on a phone-sized screen the page fits its width and pays', async t => {
  const phone = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }
  const { tab } = await beginCheckout(t, stack, 'browser-phone', 1, 10, phone)
  const fits = async (): Promise<boolean> => await tab.page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')
  t.ok(await fits(), 'no horizontal scrolling')
  await tab.page.locator('#pay').tap()
  const dialog = await checkoutDialog(tab.page)
  t.ok(await dialog.locator('#rzp-pay').isVisible(), "the dialog's Pay button is on screen")
  await dialog.locator('#rzp-pay').tap()
  await stepText(tab.page, 'paid')
  t.ok(await fits(), 'no horizontal scrolling once paid')
  t.same(tab.problems, [])
  await screenshot(tab.page, 'checkout-paid-phone.png')
})
