// The order flow, run under the idempotency lock: price check and stock reservation in one step, the
// Razorpay order tagged with the key, a checkpoint of its id, the order record. A Razorpay failure releases
// the reservation before the error goes out; a retry after a crash finishes the same order. Receipt and
// reservation ids come from the request's execution id, so they belong to this request and no other; whatever an
// earlier attempt left behind is used only when it matches this request exactly, otherwise nothing is recorded.
import type { CreateOrderBody, CreateOrderResponse } from '../../schemas/checkout.js'
import type { IdempotencyContext as IdempotentAttempt } from '../idempotency/context.js'
import type { AuditLog } from '../audit/audit-log.js'
import type { Catalog } from '../catalog/catalog.js'
import {
  AmountMismatchError, InsufficientStockError, OrderRecoveryConflictError, VariantNotFoundError
} from '../errors.js'
import { providerFailureOf, type RazorpayGateway, type RazorpayOrder } from '../razorpay/gateway.js'
import { OrderStatuses, type OrderRecord, type OrderStore } from '../orders/order-store.js'
import type { OrderAdmission, RiskGuard } from '../risk/risk-guard.js'

export interface CreateOrderDependencies {
  catalog: Catalog
  orders: OrderStore
  audit: AuditLog
  razorpay: RazorpayGateway
  risk: RiskGuard
  reservationTtlSeconds: number
  reconcileDelaySeconds: number
  now?: () => number
}

const razorpayOrderCheckpoint = 'razorpay_order_id'

/**
 * The risk admission of a create-order request as the first of an execution. The route starts it together with the
 * idempotency lock (one round trip less); the ids it counts are the ones that execution's order uses.
 */
export function startOrderAdmission (deps: CreateOrderDependencies, clientId: string, body: CreateOrderBody,
  executionId: string): OrderAdmission {
  const now = deps.now ?? Date.now
  return deps.risk.startOrderAdmission(clientId, body.sessionId, body.customer, {
    executionId,
    amount: body.amount,
    reservationId: `res_${executionId}`,
    reservationExpiresAt: now() + deps.reservationTtlSeconds * 1000
  })
}

/** `started` is the admission sent with the lock; it stands only for the execution the lock went to. */
export async function createOrder (deps: CreateOrderDependencies, clientId: string, body: CreateOrderBody,
  attempt: IdempotentAttempt, started?: OrderAdmission): Promise<CreateOrderResponse> {
  const admission = started !== undefined && !started.withdrawn && started.executionId === attempt.executionId
    ? started
    : startOrderAdmission(deps, clientId, body, attempt.executionId)
  const currency = body.currency ?? 'INR'
  // At most 40 characters, as Razorpay requires of a receipt.
  const receipt = `rcpt_${attempt.executionId}`
  const { reservationId, reservationExpiresAt: expiresAt } = admission

  // Before anything is reserved or sent to Razorpay; a refusal throws 403 RISK_REJECTED.
  await admission.admitted()
  try {
    return await createAdmittedOrder(deps, clientId, body, attempt, { currency, receipt, reservationId, expiresAt })
  } catch (err) {
    // Nothing holds stock for this request any more (or a retry holds it again): the risk rules stop counting it.
    await deps.risk.releaseHold({ clientId, sessionId: body.sessionId, reservationId })
    throw err
  }
}

async function createAdmittedOrder (deps: CreateOrderDependencies, clientId: string, body: CreateOrderBody,
  attempt: IdempotentAttempt, ids: { currency: string, receipt: string, reservationId: string, expiresAt: number }
): Promise<CreateOrderResponse> {
  const now = deps.now ?? Date.now
  const { currency, receipt, reservationId, expiresAt } = ids
  const reservation = await deps.catalog.reserve({
    variantId: body.variantId,
    reservationId,
    quantity: body.quantity,
    amount: body.amount,
    currency,
    expiresAt,
    clientId
  })
  switch (reservation.outcome) {
    case 'not_found': throw new VariantNotFoundError(body.variantId)
    case 'amount_mismatch': throw new AmountMismatchError(body.amount, reservation.price, body.quantity)
    case 'currency_mismatch': throw new VariantNotFoundError(`${body.variantId} (in ${currency})`)
    case 'insufficient': throw new InsufficientStockError(body.variantId, body.quantity)
    case 'conflict': throw await recoveryConflict(deps, clientId, attempt, `reservation ${reservationId} holds another quantity or amount`)
  }

  const notes = orderNotes(clientId, body, attempt.key, reservationId)
  let order: RazorpayOrder
  try {
    order = await findEarlierOrder(deps.razorpay, attempt, receipt) ??
      await createOrFindOrder(deps.razorpay, body.amount, currency, receipt, notes)
  } catch (err) {
    // Nothing was sold: give the stock back before the 502/504 goes out. A retry reserves again. Should the store
    // fail here too, the reservation's expiry returns the stock, and the caller still learns what Razorpay did.
    await deps.catalog.settle(body.variantId, reservationId, 'release').catch(() => undefined)
    throw err
  }
  const mismatch = recoveredMismatch(order, body.amount, currency, receipt, notes)
  if (mismatch !== undefined) {
    await deps.catalog.settle(body.variantId, reservationId, 'release').catch(() => undefined)
    throw await recoveryConflict(deps, clientId, attempt, `Razorpay order ${order.id}: ${mismatch}`)
  }
  const createdAt = new Date(now()).toISOString()
  const record: OrderRecord = {
    orderId: order.id,
    clientId,
    status: OrderStatuses.created,
    amount: body.amount,
    currency,
    variantId: body.variantId,
    quantity: body.quantity,
    sessionId: body.sessionId,
    customerRef: deps.risk.customerRef(clientId, body.customer),
    reservationId,
    receipt,
    idempotencyKey: attempt.key,
    createdAt,
    updatedAt: createdAt,
    reservationExpiresAt: new Date(reservation.expiresAt).toISOString()
  }
  // Independent writes, each idempotent: sent together (one round trip with auto-pipelining), all awaited.
  const [, , attached] = await Promise.all([
    attempt.checkpoint(razorpayOrderCheckpoint, order.id),
    deps.orders.create(record),
    deps.catalog.attachOrder(body.variantId, reservationId, order.id),
    // Webhooks can be lost: the reconciler asks Razorpay about the order if it is still unpaid by then.
    deps.orders.scheduleReconcile(order.id, now() + deps.reconcileDelaySeconds * 1000),
    deps.audit.record({ type: 'order_created', orderId: order.id, clientId, amount: body.amount, detail: `attempt ${attempt.attempt}` })
  ])
  if (!attached) {
    // The reservation ended while Razorpay was creating the order (its time passed): the sweeper can no longer find
    // the order through it, so it expires here. The order stays payable, like any expired one.
    const expired = await deps.orders.transition(order.id, OrderStatuses.expired)
    if (expired.moved) await deps.audit.record({ type: 'order_expired', orderId: order.id, clientId, detail: 'reservation ended before the order was recorded' })
  }

  return {
    orderId: order.id,
    razorpayOrderId: order.id,
    keyId: deps.razorpay.keyId,
    amount: body.amount,
    currency,
    receipt,
    status: 'created',
    sessionId: body.sessionId,
    reservationExpiresAt: record.reservationExpiresAt
  }
}

/**
 * The order an earlier attempt with this key created: from its checkpoint, or, when that attempt may have died
 * between Razorpay's answer and the checkpoint, from Razorpay itself by the receipt derived from the key.
 */
async function findEarlierOrder (razorpay: RazorpayGateway, attempt: IdempotentAttempt,
  receipt: string): Promise<RazorpayOrder | undefined> {
  const checkpointed = attempt.recover(razorpayOrderCheckpoint)
  if (checkpointed !== undefined) return await razorpay.fetchOrder(checkpointed)
  if (attempt.attempt <= 1) return undefined
  const [existing] = await razorpay.findOrdersByReceipt(receipt)
  return existing
}

/** What differs between an order an earlier attempt left and this request; undefined when it is this request's. */
function recoveredMismatch (order: RazorpayOrder, amount: number, currency: string, receipt: string,
  notes: Record<string, string>): string | undefined {
  if (Number(order.amount) !== amount) return `amount ${String(order.amount)} instead of ${amount}`
  if (order.currency !== currency) return `currency ${order.currency} instead of ${currency}`
  if (order.receipt !== receipt) return 'another receipt'
  const recorded = (Array.isArray(order.notes) ? {} : order.notes ?? {}) as Record<string, unknown>
  for (const [name, value] of Object.entries(notes)) {
    if (String(recorded[name] ?? '') !== value) return `note ${name} differs`
  }
  return undefined
}

async function recoveryConflict (deps: CreateOrderDependencies, clientId: string, attempt: IdempotentAttempt,
  detail: string): Promise<Error> {
  await deps.audit.record({ type: 'order_recovery_conflict', clientId, detail: `key ${attempt.key}: ${detail}` })
  return Object.assign(new OrderRecoveryConflictError(), { detail })
}

/** A receipt Razorpay already knows means another attempt with this key created the order: use that one. */
async function createOrFindOrder (razorpay: RazorpayGateway, amount: number, currency: string, receipt: string,
  notes: Record<string, string>): Promise<RazorpayOrder> {
  try {
    return await razorpay.createOrder({ amount, currency, receipt, notes })
  } catch (err) {
    if (!/receipt.*unique/i.test(providerFailureOf(err)?.description ?? '')) throw err
    const [existing] = await razorpay.findOrdersByReceipt(receipt)
    if (existing === undefined) throw err
    return existing
  }
}

/** Razorpay allows 15 notes of at most 256 characters; these are at most 6, each bounded by the schema. */
function orderNotes (clientId: string, body: CreateOrderBody, key: string, reservationId: string): Record<string, string> {
  const notes: Record<string, string> = {
    idempotency_key: key,
    client_id: clientId,
    variant_id: body.variantId,
    quantity: String(body.quantity),
    reservation_id: reservationId
  }
  if (body.sessionId !== undefined) notes.session_id = body.sessionId
  return notes
}
