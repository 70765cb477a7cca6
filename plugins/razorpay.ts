// Decorates `fastify.razorpay` with the gateway and `fastify.razorpayReachability` with what its calls say about
// reaching Razorpay (timed in razorpay_request_duration_seconds); an idle instance probes it now and then. Without
// Razorpay keys (never in production) it starts the bundled emulator on loopback and points the gateway and the
// emulator's webhooks at this service. `fastify.razorpayCheckoutScriptUrl` is the Checkout script a page loads:
// RAZORPAY_CHECKOUT_SCRIPT_URL, else the emulator's stand-in when it runs, else Razorpay's own.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { startEmulator } from '../src/emulator/index.js'
import { RazorpayGateway, type GatewayCall } from '../src/razorpay/gateway.js'
import { RazorpayReachability } from '../src/razorpay/reachability.js'

declare module 'fastify' {
  interface FastifyInstance {
    razorpay: RazorpayGateway
    razorpayReachability: RazorpayReachability
    razorpayCheckoutScriptUrl: string
  }
}

const razorpayCheckoutScript = 'https://checkout.razorpay.com/v1/checkout.js'

/** Records every call's outcome, and logs once each time Razorpay becomes unreachable from here or reachable again. */
function callRecorder (fastify: FastifyInstance, reachability: RazorpayReachability): (call: GatewayCall) => void {
  const timing = fastify.metrics.razorpayRequests
  return (call) => {
    timing.observe({ operation: call.operation, outcome: call.outcome }, call.seconds)
    const before = reachability.status
    reachability.record(call.outcome)
    if (reachability.status === before) return
    if (reachability.status === 'unreachable') {
      fastify.log.warn({ operation: call.operation, outcome: call.outcome },
        'Razorpay did not answer this instance; reported unreachable until a call is answered')
    } else if (before === 'unreachable') {
      fastify.log.info({ operation: call.operation }, 'Razorpay reachable again')
    }
  }
}

/**
 * While no call has been answered for an interval, one cheap GET keeps the reachability readiness reports current
 * (a busy instance never probes: its own calls say enough). Probes never overlap: the next waits for the last.
 */
function startProbe (fastify: FastifyInstance, reachability: RazorpayReachability): void {
  const intervalMs = fastify.config.RAZORPAY_PROBE_INTERVAL_SECONDS * 1000
  if (intervalMs === 0) return
  let timer: NodeJS.Timeout | undefined
  let closing = false
  const schedule = (): void => {
    timer = setTimeout(() => {
      const probe = reachability.answeredWithin(intervalMs) ? Promise.resolve() : fastify.razorpay.probe()
      // A failed probe was recorded by the gateway like any call.
      probe.catch(() => {}).finally(() => { if (!closing) schedule() })
    }, intervalMs)
    timer.unref()
  }
  fastify.addHook('onReady', async () => schedule())
  fastify.addHook('onClose', async () => {
    closing = true
    clearTimeout(timer)
  })
}

async function razorpayPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  const timeoutMs = config.RAZORPAY_TIMEOUT_MS
  const reachability = new RazorpayReachability()
  const onCall = callRecorder(fastify, reachability)
  fastify.decorate('razorpayReachability', reachability)
  startProbe(fastify, reachability)
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
      timeoutMs,
      onCall
    }))
    fastify.decorate('razorpayCheckoutScriptUrl', config.RAZORPAY_CHECKOUT_SCRIPT_URL ?? razorpayCheckoutScript)
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
    timeoutMs,
    onCall
  }))
  fastify.decorate('razorpayCheckoutScriptUrl', config.RAZORPAY_CHECKOUT_SCRIPT_URL ?? `${emulator.url}/checkout/v1/checkout.js`)
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

export default fp(razorpayPlugin, { name: 'razorpay', dependencies: ['config', 'metrics'] })
