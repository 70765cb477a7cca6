// The checkout demo at /demo: a page that pays for a catalog variant through the payment client and Razorpay
// Checkout, step by step. On outside production, or with DEMO_PAGE=true. Static files only: it calls the same
// /api routes as any caller, with the same authentication.
import type { FastifyInstance, RouteShorthandOptions } from 'fastify'
import fp from 'fastify-plugin'
import { loadDemoAssets } from '../src/demo/assets.js'
import { demoHeaders, renderDemoPage } from '../src/demo/page.js'

/** How many variants the page offers: enough for a demo, never a dump of a large catalog. */
const maxVariants = 50

async function demoPlugin (fastify: FastifyInstance): Promise<void> {
  if (!fastify.config.DEMO_PAGE) return
  const { page, files } = await loadDemoAssets()
  const scriptUrl = fastify.razorpayCheckoutScriptUrl
  const options: RouteShorthandOptions = {
    config: { auth: 'public', helmet: demoHeaders(scriptUrl) },
    schema: { hide: true }
  }

  fastify.get('/demo', options, async (_request, reply) => {
    const variantIds = (await fastify.catalog.listVariantIds()).sort().slice(0, maxVariants)
    const html = renderDemoPage(page, {
      checkoutScriptUrl: scriptUrl,
      variantIds,
      requiresToken: fastify.config.API_KEYS !== undefined
    })
    return await reply.type('text/html; charset=utf-8').send(html)
  })

  for (const [path, asset] of files) {
    fastify.get(`/demo/${path}`, options, async (_request, reply) => {
      // Revalidated on every load: a rebuilt client must never meet a cached page module.
      return await reply.type(asset.contentType).header('cache-control', 'no-cache').send(asset.body)
    })
  }
}

export default fp(demoPlugin, { name: 'demo', dependencies: ['config', 'catalog', 'razorpay', 'security-headers'] })
