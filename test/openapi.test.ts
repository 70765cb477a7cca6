// The OpenAPI document: served at /openapi.json and /docs, and identical to openapi.yaml at the repository root.
import t from 'tap'
import { readFile } from 'node:fs/promises'
import { build } from './helper.js'
import { openApiDocument } from '../scripts/openapi-document.js'

t.test('openapi.yaml is the document the routes generate (run scripts/write-openapi.ts after changing a route)', async t => {
  const committed = await readFile(new URL('../openapi.yaml', import.meta.url), 'utf8')
  t.equal(committed, await openApiDocument())
})

t.test('serves the document and its UI', async t => {
  const app = await build(t, { ADMIN_TOKEN: 'admin-token-for-tests' })
  const json = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(json.statusCode, 200)
  const document = json.json()
  t.equal(document.openapi, '3.1.0')
  for (const path of ['/api/checkout/create-order', '/api/orders/{orderId}', '/api/admin/variants/{variantId}', '/health/ready']) {
    t.ok(document.paths[path], path)
  }
  t.same(document.paths['/api/checkout/create-order'].post.parameters.map((p: { name: string }) => p.name).sort(), ['idempotency-key', 'prefer'])
  t.equal(document.paths['/api/checkout/create-order'].post.requestBody.content['application/json'].schema.additionalProperties, false)
  const ui = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
})
