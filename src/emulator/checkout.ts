// Razorpay Checkout stood in for: the script a merchant page loads (GET /checkout/v1/checkout.js, as from
// checkout.razorpay.com), the test-mode dialog it frames, and the payment the dialog makes. No auth, like
// Razorpay's CDN; the key id the page holds is checked, as Checkout does. See ../shared/RAZORPAY.md.
import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ContextOptions } from './context.js'
import { CheckoutResultSchema } from './control-common.js'
import type { PaymentEntity } from './entities.js'
import { invalidKeyError, unknownIdError, validationError } from './errors.js'
import { payOrder } from './lifecycle.js'

const PaymentBodySchema = Type.Object({
  key_id: Type.String({ minLength: 1, maxLength: 100 }),
  order_id: Type.String({ minLength: 1, maxLength: 100 }),
  outcome: Type.Union([Type.Literal('captured'), Type.Literal('failed')])
}, { additionalProperties: false })

/** Razorpay's error envelope; a failed payment names itself and its order in `metadata`, as Checkout reports it. */
const CheckoutErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    description: Type.String(),
    source: Type.String(),
    step: Type.String(),
    reason: Type.String(),
    metadata: Type.Object({ order_id: Type.Optional(Type.String()), payment_id: Type.Optional(Type.String()) }),
    field: Type.Optional(Type.String())
  })
})

// The dialog runs no inline code and reaches nothing but this origin; any page may frame it, as any page may
// frame Razorpay's.
const DIALOG_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors *"

const pageDir = new URL('./checkout-page/', import.meta.url)

async function pageFile (name: string): Promise<string> {
  return await readFile(new URL(name, pageDir), 'utf8')
}

/** The `payment.failed` payload of Checkout, from the failed payment's own error fields. */
function failedPayment (payment: PaymentEntity) {
  return {
    error: {
      code: payment.error_code ?? 'BAD_REQUEST_ERROR',
      description: payment.error_description ?? 'Payment failed',
      source: payment.error_source ?? 'customer',
      step: payment.error_step ?? 'payment_authentication',
      reason: payment.error_reason ?? 'payment_failed',
      metadata: { order_id: payment.order_id, payment_id: payment.id }
    }
  }
}

export async function checkoutPageRoutes (fastify: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { store, webhooks, options } = ctx
  const [script, dialogHtml, dialogScript, dialogCss] = await Promise.all(
    ['checkout.js', 'dialog.html', 'dialog.js', 'dialog.css'].map(pageFile)
  )
  const serve = (reply: FastifyReply, contentType: string, body: string) => reply
    .header('content-type', contentType)
    .header('cache-control', 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .send(body)

  // Open to every origin, like a CDN: a page may load it with `crossorigin` or subresource integrity.
  app.get('/v1/checkout.js', async (_request, reply) =>
    serve(reply.header('access-control-allow-origin', '*'), 'application/javascript; charset=utf-8', script))
  app.get('/dialog', async (_request, reply) =>
    serve(reply.header('content-security-policy', DIALOG_CSP), 'text/html; charset=utf-8', dialogHtml))
  app.get('/dialog.js', async (_request, reply) => serve(reply, 'application/javascript; charset=utf-8', dialogScript))
  app.get('/dialog.css', async (_request, reply) => serve(reply, 'text/css; charset=utf-8', dialogCss))

  // 200 whenever a payment was made, captured or failed; 4xx when none was.
  app.post('/payments', {
    attachValidation: true,
    schema: {
      body: PaymentBodySchema,
      response: { 200: Type.Union([CheckoutResultSchema, CheckoutErrorSchema]), 400: CheckoutErrorSchema, 401: CheckoutErrorSchema }
    }
  }, async (request) => {
    // Thrown RazorpayErrors are rendered in Razorpay's envelope by the emulator's error handler.
    if (request.validationError !== undefined) throw validationError(request.validationError.message)
    const { key_id: keyId, order_id: orderId, outcome } = request.body
    if (keyId !== options.keyId) throw invalidKeyError()
    const order = store.getOrder(orderId)
    if (order === undefined) throw unknownIdError()
    // Wording unconfirmed; Razorpay allows no payment on a paid order.
    if (order.status === 'paid') throw validationError('Order has already been paid', 'order_id', 'order_already_paid')

    const { result, events } = payOrder(store, webhooks, order, outcome, options.keySecret)
    // Razorpay notifies asynchronously: the customer does not wait for the merchant's webhook receiver.
    // close() waits for deliveries in flight; a failed first attempt is retried by the dispatcher.
    webhooks.deliver(events).catch((err: unknown) => request.log.error({ err }, 'emulator could not deliver checkout webhooks'))
    if (outcome === 'captured') return result
    return failedPayment(store.getPayment(result.razorpay_payment_id) as PaymentEntity)
  })
}
