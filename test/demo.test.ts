// The demo page as the service serves it (plugins/demo.ts), the catalog route it reads (GET /api/variants/:variantId),
// and the configuration that turns both on and points the page at a Checkout script. The page itself runs in a
// browser in test/browser/.
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { renderDemoPage } from '../src/demo/page.js'
import { build, configRefusal, redisServer, testEnv, type TestContext } from './helper.js'
import { emulator, emulatorEnv } from './support/service.js'

const admin = { authorization: 'Bearer admin-token-for-the-demo-tests' }
const shop = { authorization: 'Bearer shop-token' }

async function setup (t: TestContext, extra: Record<string, string> = {}) {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const app = await build(t, { ...emulatorEnv(rzp), REDIS_URL: redis.url, ADMIN_TOKEN: 'admin-token-for-the-demo-tests', ...extra })
  return { rzp, app }
}

function settingsOf (html: string): Record<string, unknown> {
  const match = /<script type="application\/json" id="demo-settings">(.*?)<\/script>/s.exec(html)
  if (match === null) throw new Error('no settings in the page')
  return JSON.parse(match[1])
}

t.test('DEMO_PAGE defaults to on outside production and off in production', async t => {
  t.equal(loadConfig({ ...testEnv }).DEMO_PAGE, true)
  t.equal(loadConfig({ NODE_ENV: 'development' }).DEMO_PAGE, true)
  const production = {
    NODE_ENV: 'production',
    REDIS_URL: 'redis://127.0.0.1:6390',
    RAZORPAY_KEY_ID: 'rzp_live_x',
    RAZORPAY_KEY_SECRET: 'secret',
    RAZORPAY_WEBHOOK_SECRET: 'webhook-secret',
    API_KEYS: 'shop:0123456789abcdef0123456789abcdef'
  }
  t.equal(loadConfig(production).DEMO_PAGE, false)
  t.equal(loadConfig({ ...production, DEMO_PAGE: 'true' }).DEMO_PAGE, true)
  t.match(configRefusal({ ...production, RAZORPAY_CHECKOUT_SCRIPT_URL: 'http://checkout.example.com/v1/checkout.js' })?.message,
    /RAZORPAY_CHECKOUT_SCRIPT_URL must be https:\/\//)
  t.equal(configRefusal({ ...production, RAZORPAY_CHECKOUT_SCRIPT_URL: 'http://127.0.0.1:4010/checkout/v1/checkout.js' }), undefined,
    'plain http to loopback is allowed, as for the API')
  t.match(configRefusal({ ...testEnv, RAZORPAY_CHECKOUT_SCRIPT_URL: 'checkout.js' })?.message, /RAZORPAY_CHECKOUT_SCRIPT_URL/)
})

t.test('/demo loads the configured Checkout script, and its policy allows that script and nothing else', async t => {
  // A script elsewhere than the API: the page follows the variable, not RAZORPAY_API_URL.
  const { app, rzp } = await setup(t, { RAZORPAY_CHECKOUT_SCRIPT_URL: 'http://127.0.0.1:4999/checkout/v1/checkout.js' })
  const page = await app.inject({ url: '/demo' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.equal(page.headers['cache-control'], 'no-store')
  const settings = settingsOf(page.body)
  const scriptUrl = settings.checkoutScriptUrl as string
  t.match(page.body, `<script src="${scriptUrl}"></script>`)
  t.same(settings.variantIds, ['mug-white', 'test', 'tshirt-black-m'], 'the catalog, sorted')
  t.equal(settings.requiresToken, false)
  const policy = String(page.headers['content-security-policy'])
  const origin = new URL(scriptUrl).origin
  t.match(policy, `script-src 'self' ${origin};`)
  t.match(policy, `frame-src ${origin};`)
  t.notMatch(policy, /unsafe-eval|script-src[^;]*unsafe-inline/, 'no inline or evaluated script')
  t.equal(origin, 'http://127.0.0.1:4999')
  t.not(origin, rzp.url)

  for (const [path, type] of [['/demo/checkout.js', /^text\/javascript/], ['/demo/checkout.css', /^text\/css/],
    ['/demo/client/index.js', /^text\/javascript/], ['/demo/client/key-store.js', /^text\/javascript/]] as const) {
    const asset = await app.inject({ url: path })
    t.equal(asset.statusCode, 200, path)
    t.match(asset.headers['content-type'], type, path)
    t.equal(asset.headers['cache-control'], 'no-cache', `${path} is revalidated`)
  }
  t.equal((await app.inject({ url: '/demo/../src/config.ts' })).statusCode, 404, 'nothing outside the page is served')
  t.equal((await app.inject({ url: '/demo/client/index.ts' })).statusCode, 404)
})

t.test("with Razorpay's own script the policy allows Razorpay's hosts", async t => {
  const { app } = await setup(t, { RAZORPAY_CHECKOUT_SCRIPT_URL: 'https://checkout.razorpay.com/v1/checkout.js' })
  const page = await app.inject({ url: '/demo' })
  t.match(page.body, '<script src="https://checkout.razorpay.com/v1/checkout.js"></script>')
  t.match(String(page.headers['content-security-policy']), "script-src 'self' https://checkout.razorpay.com https://*.razorpay.com;")
  t.match(String(page.headers['content-security-policy']), 'frame-src https://checkout.razorpay.com https://*.razorpay.com;')
})

t.test('with API_KEYS the page is still public but asks for a token, and the catalog route needs one', async t => {
  const { app } = await setup(t, { API_KEYS: 'shop:shop-token' })
  const page = await app.inject({ url: '/demo' })
  t.equal(page.statusCode, 200)
  t.equal(settingsOf(page.body).requiresToken, true)
  t.equal((await app.inject({ url: '/api/variants/test' })).statusCode, 401)
  t.equal((await app.inject({ url: '/api/variants/test', headers: shop })).statusCode, 200)
})

t.test('DEMO_PAGE=false serves no page', async t => {
  const { app } = await setup(t, { DEMO_PAGE: 'false' })
  t.equal((await app.inject({ url: '/demo' })).statusCode, 404)
  t.equal((await app.inject({ url: '/demo/checkout.js' })).statusCode, 404)
})

t.test('GET /api/variants/:variantId answers price, currency and whether any is in stock, never the count', async t => {
  const { app } = await setup(t)
  const answer = await app.inject({ url: '/api/variants/test' })
  t.equal(answer.statusCode, 200)
  t.same(answer.json(), { variantId: 'test', price: 1499, currency: 'INR', inStock: true })
  t.equal(answer.headers['cache-control'], 'no-store')

  const put = await app.inject({ method: 'PUT', url: '/api/admin/variants/sold-out', headers: admin, payload: { price: 500, currency: 'INR', stock: 0 } })
  t.equal(put.statusCode, 200)
  t.same((await app.inject({ url: '/api/variants/sold-out' })).json(), { variantId: 'sold-out', price: 500, currency: 'INR', inStock: false })

  const missing = await app.inject({ url: '/api/variants/nope' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'VARIANT_NOT_FOUND')
  t.equal((await app.inject({ url: '/api/variants/not%20valid' })).statusCode, 400)
})

t.test('the page template escapes what it is given', async t => {
  const html = renderDemoPage('<script src="%CHECKOUT_SCRIPT_URL%"></script><script type="application/json">%DEMO_SETTINGS%</script>', {
    checkoutScriptUrl: 'https://x.example/"><script>alert(1)</script>',
    variantIds: ['</script>'],
    requiresToken: false
  })
  t.notMatch(html, /"><script>alert/)
  t.equal(html.split('</script>').length, 3, 'no value ends a script element')
})
