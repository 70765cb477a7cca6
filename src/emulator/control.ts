// The control surface tests drive the emulator with: pay an order, authorize late, fail a refund,
// dispute a payment, inject faults, read counters, reset. JSON in and out, no auth, loopback only.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { ContextOptions } from './context.js'
import { checkoutControlRoutes } from './control-checkout.js'
import { ControlErrorSchema, controlError } from './control-common.js'
import { disputeControlRoutes } from './disputes.js'
import { refundControlRoutes } from './refunds.js'

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

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
  refundsCreated: Type.Integer(),
  requests: Type.Integer(),
  webhooksDelivered: Type.Integer()
})

export async function controlRoutes (fastify: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { store, faults, webhooks } = ctx

  app.addHook('onRequest', async (request, reply) => {
    if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) {
      return reply.code(403).send(controlError(403, 'FORBIDDEN', 'the control surface answers loopback only'))
    }
  })
  // A POST without a body asks for the defaults; the body schemas then see `{}` rather than nothing.
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && request.body === undefined) request.body = {}
  })

  await app.register(checkoutControlRoutes, { ctx })
  await app.register(refundControlRoutes, { ctx })
  await app.register(disputeControlRoutes, { ctx })

  app.post('/faults', {
    schema: { body: FaultBodySchema, response: { 201: Type.Object({ id: Type.String() }), 400: ControlErrorSchema } }
  }, async (request, reply) => {
    const rule = request.body
    const invalid = (message: string) => reply.code(400).send(controlError(400, 'FAULT_INVALID', message))
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
