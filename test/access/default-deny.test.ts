// Default deny: every route the app registers answers 401 without a token unless it is explicitly marked public.
// The routes are collected as they are registered (an onRoute hook added before any plugin of the app), so a route
// added tomorrow is walked too, and one that forgets its marker fails here.
import t from 'tap'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { buildApp } from '../../src/build-app.js'
import { loadConfig } from '../../src/config.js'
import { testEnv, type TestContext } from '../helper.js'

const clientToken = 'shop-token-for-the-default-deny-test'
const adminToken = 'admin-token-for-the-default-deny-test'

/** Public routes may only be these: probes, the signed webhook, the docs, the demo page's static files. */
const mayBePublic = (url: string): boolean =>
  url.startsWith('/health/') || url === '/api/webhooks/razorpay' || url === '/docs' || url.startsWith('/docs/') ||
  url === '/openapi.json' || url === '/demo' || url.startsWith('/demo/')

async function appWithRoutes (t: TestContext, env: Record<string, string>): Promise<{ app: FastifyInstance, routes: RouteOptions[] }> {
  const routes: RouteOptions[] = []
  const app = await buildApp({ config: loadConfig({ ...testEnv, ...env }), logger: false, onRoute: route => { routes.push(route) } })
  t.teardown(async () => await app.close())
  return { app, routes }
}

/** A concrete path for a route pattern: every parameter and wildcard filled with a dummy value. */
function concretePath (url: string): string {
  return url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, 'dummy').replace(/\*/g, 'dummy')
}

function methodsOf (route: RouteOptions): string[] {
  return Array.isArray(route.method) ? route.method : [route.method]
}

const isPublic = (route: RouteOptions): boolean => route.config?.auth === 'public'

t.test('every registered route without an explicit public marker answers 401 without a token', async t => {
  const { app, routes } = await appWithRoutes(t, {
    API_KEYS: `shop:${clientToken}`,
    ADMIN_TOKEN: adminToken,
    // Every route is called without a token from one address: the failed-authentication limit must not turn them into 429s.
    AUTH_FAILURES_MAX: '100000'
  })
  // A route that forgets to say who may call it, as a future one might.
  app.get('/throwaway/:id', async () => ({ open: true }))
  await app.ready()

  t.ok(routes.length > 20, `${routes.length} routes were collected`)
  t.ok(routes.some(route => route.url === '/throwaway/:id'), 'the walk includes a route registered after the app')
  for (const url of ['/api/checkout/create-order', '/api/orders/:orderId', '/api/admin/variants/:variantId', '/docs/']) {
    t.ok(routes.some(route => route.url === url), `the walk includes ${url}`)
  }

  let protectedRoutes = 0
  for (const route of routes) {
    for (const method of methodsOf(route)) {
      const label = `${method} ${route.url}`
      const answer = await app.inject({ method: method as 'GET', url: concretePath(route.url), payload: method === 'GET' || method === 'HEAD' ? undefined : {} })
      if (isPublic(route)) {
        t.ok(mayBePublic(route.url), `${label} is public, and may be`)
        // The webhook answers 401 on its own (WEBHOOK_SIGNATURE_INVALID): not the bearer check's UNAUTHORIZED.
        const refusedForToken = answer.statusCode === 401 && (method === 'HEAD' || answer.json().code === 'UNAUTHORIZED')
        t.notOk(refusedForToken, `${label} is public: no token needed`)
        continue
      }
      protectedRoutes++
      t.equal(answer.statusCode, 401, `${label} answers 401 without a token`)
      if (method !== 'HEAD') t.equal(answer.json().code, 'UNAUTHORIZED', `${label} says UNAUTHORIZED`)
    }
  }
  t.ok(protectedRoutes >= 10, `${protectedRoutes} protected route methods were checked`)
})

t.test('a route without a marker requires a client token, and a client token is enough', async t => {
  const { app } = await appWithRoutes(t, { API_KEYS: `shop:${clientToken}`, ADMIN_TOKEN: adminToken })
  app.get('/throwaway', async (request) => ({ clientId: request.clientId }))
  await app.ready()
  const anonymous = await app.inject({ method: 'GET', url: '/throwaway' })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.json().code, 'UNAUTHORIZED')
  t.equal(anonymous.headers['www-authenticate'], 'Bearer')
  const wrong = await app.inject({ method: 'GET', url: '/throwaway', headers: { authorization: 'Bearer not-a-token' } })
  t.equal(wrong.statusCode, 401)
  const admin = await app.inject({ method: 'GET', url: '/throwaway', headers: { authorization: `Bearer ${adminToken}` } })
  t.equal(admin.statusCode, 401, 'the admin token is not a client token')
  const client = await app.inject({ method: 'GET', url: '/throwaway', headers: { authorization: `Bearer ${clientToken}` } })
  t.equal(client.statusCode, 200)
  t.same(client.json(), { clientId: 'shop' })
})

t.test('an unknown URL answers 404 with or without a token', async t => {
  const { app } = await appWithRoutes(t, { API_KEYS: `shop:${clientToken}` })
  await app.ready()
  for (const headers of [{}, { authorization: `Bearer ${clientToken}` }, { authorization: 'Bearer wrong' }]) {
    const answer = await app.inject({ method: 'GET', url: '/api/no-such-route', headers })
    t.equal(answer.statusCode, 404)
    t.equal(answer.json().code, 'NOT_FOUND')
  }
})

t.test('with API_KEYS unset outside production every caller is client "anonymous"; the admin API still needs its token', async t => {
  const { app } = await appWithRoutes(t, { ADMIN_TOKEN: adminToken })
  app.get('/throwaway', async (request) => ({ clientId: request.clientId }))
  await app.ready()
  t.same((await app.inject({ method: 'GET', url: '/throwaway' })).json(), { clientId: 'anonymous' })
  t.equal((await app.inject({ method: 'GET', url: '/api/orders/order_none' })).json().code, 'ORDER_NOT_FOUND')
  t.equal((await app.inject({ method: 'GET', url: '/api/admin/variants/test' })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/api/admin/variants/test', headers: { authorization: `Bearer ${adminToken}` } })).statusCode, 200)
})
