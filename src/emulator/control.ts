// The control surface tests drive the emulator with: pay an order, inject faults, read counters,
// reset. JSON in and out, no auth, and only from loopback.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ContextOptions } from './context.js'
import { payOrder } from './lifecycle.js'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

const ControlErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
})

const PayBodySchema = Type.Object({
  outcome: Type.Union([Type.Literal('captured'), Type.Literal('authorized'), Type.Literal('failed')]),
  webhooks: Type.Optional(Type.Object({
    duplicate: Type.Optional(Type.Boolean()),
    reverse: Type.Optional(Type.Boolean())
  }, { additionalProperties: false }))
}, { additionalProperties: false })

const PayResultSchema = Type.Object({
  razorpay_order_id: Type.String(),
  razorpay_payment_id: Type.String(),
  razorpay_signature: Type.String()
})

const FaultBodySchema = Type.Object({
  route: Type.String({ minLength: 1, maxLength: 200 }),
  kind: Type.Union([Type.Literal('latency'), Type.Literal('status'), Type.Literal('hang'), Type.Literal('reset')]),
  latencyMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
  status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
  rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  count: Type.Optional(Type.Integer({ minimum: 1 }))
}, { additionalProperties: false })

const StatsSchema = Type.Object({
  ordersCreated: Type.Integer(),
  paymentsCreated: Type.Integer(),
  requests: Type.Integer(),
  webhooksDelivered: Type.Integer()
})

function controlError (statusCode: number, code: string, error: string, message: string) {
  return { statusCode, code, error, message }
}

export async function controlRoutes (fastify: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { store, faults, webhooks } = ctx

  app.addHook('onRequest', async (request, reply) => {
    if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      return reply.code(403).send(controlError(403, 'FORBIDDEN', 'Forbidden', 'the control surface answers loopback only'))
    }
  })

  app.post('/orders/:orderId/pay', {
    schema: {
      params: Type.Object({ orderId: Type.String() }),
      body: PayBodySchema,
      response: { 200: PayResultSchema, 400: ControlErrorSchema, 404: ControlErrorSchema }
    }
  }, async (request, reply) => {
    const order = store.getOrder(request.params.orderId)
    if (order === undefined) {
      return reply.code(404).send(controlError(404, 'ORDER_NOT_FOUND', 'Not Found', `no order ${request.params.orderId}`))
    }
    if (order.status === 'paid') {
      return reply.code(400).send(controlError(400, 'ORDER_ALREADY_PAID', 'Bad Request', `order ${order.id} is already paid`))
    }
    const { result, events } = payOrder(store, webhooks, order, request.body.outcome, ctx.options.keySecret)
    await webhooks.deliver(events, request.body.webhooks)
    return result
  })

  app.post('/faults', {
    schema: { body: FaultBodySchema, response: { 201: Type.Object({ id: Type.String() }), 400: ControlErrorSchema } }
  }, async (request, reply) => {
    const rule = request.body
    const invalid = (message: string) => reply.code(400).send(controlError(400, 'FAULT_INVALID', 'Bad Request', message))
    if (!ctx.routes.has(rule.route)) {
      return invalid(`route must be one of: ${[...ctx.routes].join(', ')}`)
    }
    if (rule.kind === 'latency' && rule.latencyMs === undefined) return invalid('a latency fault needs latencyMs')
    if (rule.kind === 'status' && rule.status === undefined) return invalid('a status fault needs status')
    return reply.code(201).send({ id: faults.add(rule) })
  })

  app.delete('/faults', async (_request, reply) => {
    faults.clear()
    return reply.code(204).send()
  })

  app.get('/stats', { schema: { response: { 200: StatsSchema } } }, async () => store.stats)

  app.post('/reset', async (_request, reply) => {
    store.reset()
    faults.clear()
    webhooks.forget()
    return reply.code(204).send()
  })
}
