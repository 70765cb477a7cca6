// The Orders API: create, fetch, list (with Razorpay's filters) and the payments of an order.
import type { FastifyInstance } from 'fastify'
import type { ContextOptions } from './context.js'
import { collection } from './entities.js'
import { unknownIdError, validationError } from './errors.js'
import { parseOrderCreate, parseOrderList } from './validation.js'

interface OrderParams { id: string }

// No response schemas here on purpose: a schema would strip or reshape fields, and the emulator
// must answer exactly the entity it holds, as Razorpay does.
export async function orderRoutes (app: FastifyInstance, { ctx }: ContextOptions): Promise<void> {
  const { store } = ctx

  app.post('/orders', async (request, reply) => {
    const input = parseOrderCreate(request.body)
    if (input.receipt !== null && store.hasReceipt(input.receipt)) {
      throw validationError('Order receipt should be unique.', 'receipt')
    }
    const order = store.createOrder(input)
    return reply.code(200).send(order)
  })

  app.get('/orders', async (request) => {
    return collection(store.listOrders(parseOrderList(request.query)))
  })

  app.get<{ Params: OrderParams }>('/orders/:id', async (request) => {
    const order = store.getOrder(request.params.id)
    if (order === undefined) throw unknownIdError()
    return order
  })

  app.get<{ Params: OrderParams }>('/orders/:id/payments', async (request) => {
    const order = store.getOrder(request.params.id)
    if (order === undefined) throw unknownIdError()
    return collection(store.paymentsOf(order.id))
  })
}
