// The README's "See it work": the service on its embedded defaults (no Redis, no Razorpay keys, nothing else
// running) serves /demo, and a person pays there with the bundled emulator's Checkout.
import t from 'tap'
import { request } from 'undici'
import { launchBrowser } from '../support/browser.js'
import { startServiceProcess } from '../support/service-process.js'
import { orderIdIn } from './fixture.js'

t.test('on embedded defaults, /demo pays an order through the bundled emulator', async t => {
  const service = await startServiceProcess({})
  t.teardown(async () => await service.kill('SIGKILL'))
  const browser = await launchBrowser(t)
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })

  await page.goto(`${service.url}/demo`)
  await page.locator('body[data-ready="true"]').waitFor()
  const settings = JSON.parse(await page.locator('#demo-settings').textContent() ?? '{}') as { checkoutScriptUrl: string, variantIds: string[] }
  const emulatorOrigin = new URL(settings.checkoutScriptUrl).origin
  t.match(emulatorOrigin, /^http:\/\/127\.0\.0\.1:\d+$/, "the page loads the bundled emulator's Checkout")
  t.ok(settings.variantIds.includes('test'), 'the built-in catalog is offered')

  await page.selectOption('#variant', 'test')
  await page.click('#pay')
  const step = page.locator('#steps li[data-step="order"]')
  await step.waitFor()
  const orderId = orderIdIn(await step.innerText())
  const dialog = page.frameLocator('iframe.razorpay-checkout-frame')
  await dialog.locator('#rzp-pay').click()
  await page.locator('#steps li[data-step="paid"]').waitFor()

  const order = await request(`${service.url}/api/orders/${orderId}`)
  t.match(await order.body.json(), { orderId, status: 'paid', amount: 1499 })
  const stats = await request(`${emulatorOrigin}/_emulator/stats`)
  t.match(await stats.body.json(), { ordersCreated: 1, paymentsCreated: 1 })
  t.same(problems, [])
})
