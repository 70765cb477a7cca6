// Decorates `fastify.razorpay` with the gateway. Without Razorpay keys (never in production) it starts the
// bundled emulator on loopback and points the gateway and the emulator's webhooks at this service.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { startEmulator } from '../src/emulator/index.js'
import { RazorpayGateway } from '../src/razorpay/gateway.js'

declare module 'fastify' {
  interface FastifyInstance {
    razorpay: RazorpayGateway
  }
}

async function razorpayPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  const timeoutMs = config.RAZORPAY_TIMEOUT_MS
  if (config.RAZORPAY_KEY_ID !== undefined && config.RAZORPAY_KEY_SECRET !== undefined) {
    if (config.RAZORPAY_WEBHOOK_SECRET === undefined) {
      fastify.log.error('RAZORPAY_WEBHOOK_SECRET is unset: every webhook is refused with 503 until it is set, and ' +
        'payments are only confirmed by verify-payment and the reconciler')
    }
    fastify.decorate('razorpay', new RazorpayGateway({
      keyId: config.RAZORPAY_KEY_ID,
      keySecret: config.RAZORPAY_KEY_SECRET,
      webhookSecret: config.RAZORPAY_WEBHOOK_SECRET ?? '',
      apiUrl: config.RAZORPAY_API_URL,
      timeoutMs
    }))
    return
  }

  const emulator = await startEmulator({ webhookSecret: config.RAZORPAY_WEBHOOK_SECRET })
  fastify.log.warn({ url: emulator.url },
    'RAZORPAY_KEY_ID/RAZORPAY_KEY_SECRET are unset: using the bundled Razorpay emulator on loopback. ' +
    'No real payment can be taken; never use this in production.')
  fastify.decorate('razorpay', new RazorpayGateway({
    keyId: emulator.keyId,
    keySecret: emulator.keySecret,
    webhookSecret: emulator.webhookSecret,
    apiUrl: emulator.url,
    timeoutMs
  }))
  fastify.addHook('onListen', async () => {
    const address = fastify.server.address()
    if (address !== null && typeof address === 'object') {
      const host = address.family === 'IPv6'
        ? `[${address.address === '::' ? '::1' : address.address}]`
        : (address.address === '0.0.0.0' ? '127.0.0.1' : address.address)
      emulator.setWebhookUrl(`http://${host}:${address.port}/api/webhooks/razorpay`)
    }
  })
  fastify.addHook('onClose', async () => await emulator.close())
}

export default fp(razorpayPlugin, { name: 'razorpay', dependencies: ['config'] })
