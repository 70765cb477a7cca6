// How a payment moves an order, and which webhooks each move emits: the part of Razorpay Checkout
// and of the payment gateway that the emulator stands in for.
import { createHmac } from 'node:crypto'
import type { OrderEntity, PaymentEntity } from './entities.js'
import type { EmulatorStore } from './store.js'
import type { WebhookDispatcher, WebhookEvent } from './webhooks.js'

export type PayOutcome = 'captured' | 'authorized' | 'failed'

export interface CheckoutResult {
  razorpay_order_id: string
  razorpay_payment_id: string
  razorpay_signature: string
}

export function checkoutSignature (orderId: string, paymentId: string, keySecret: string): string {
  return createHmac('sha256', keySecret).update(`${orderId}|${paymentId}`).digest('hex')
}

// Razorpay's standard 2% commission plus 18% GST on it; `fee` includes the tax.
function chargeFees (payment: PaymentEntity): void {
  const commission = Math.round(payment.amount * 0.02)
  const tax = Math.round(commission * 0.18)
  payment.fee = commission + tax
  payment.tax = tax
}

// A later payment on an order that is already paid (a second tab, a late authorization) leaves it paid.
function markAttempted (order: OrderEntity): void {
  if (order.status !== 'paid') order.status = 'attempted'
}

function failPayment (payment: PaymentEntity): void {
  payment.status = 'failed'
  payment.error_code = 'BAD_REQUEST_ERROR'
  payment.error_description = 'Payment failed'
  payment.error_source = 'customer'
  payment.error_step = 'payment_authentication'
  payment.error_reason = 'payment_failed'
}

/** Captures an authorized payment and marks its order paid; returns the webhooks that follow. */
export function markCaptured (order: OrderEntity, payment: PaymentEntity, webhooks: WebhookDispatcher): WebhookEvent[] {
  payment.status = 'captured'
  payment.captured = true
  chargeFees(payment)
  order.status = 'paid'
  order.amount_paid = order.amount
  order.amount_due = 0
  return [
    webhooks.createEvent('payment.captured', { payment }),
    webhooks.createEvent('order.paid', { payment, order })
  ]
}

function checkoutResult (order: OrderEntity, payment: PaymentEntity, keySecret: string): CheckoutResult {
  return {
    razorpay_order_id: order.id,
    razorpay_payment_id: payment.id,
    razorpay_signature: payment.status === 'failed' ? '' : checkoutSignature(order.id, payment.id, keySecret)
  }
}

/**
 * Simulates a customer paying an order through Checkout. `captured` is Razorpay's default
 * auto-capture; `authorized` leaves the capture to `POST /v1/payments/:id/capture`. `amount` defaults
 * to what the order still owes, or to its whole amount when it is already paid (a second payment).
 */
export function payOrder (
  store: EmulatorStore,
  webhooks: WebhookDispatcher,
  order: OrderEntity,
  outcome: PayOutcome,
  keySecret: string,
  amount = order.status === 'paid' ? order.amount : order.amount_due,
  vpa?: string
): { result: CheckoutResult, events: WebhookEvent[] } {
  const payment = store.createPayment(order, 'created', amount)
  if (vpa !== undefined) payment.vpa = vpa
  const events: WebhookEvent[] = []
  markAttempted(order)
  if (outcome === 'failed') {
    failPayment(payment)
    events.push(webhooks.createEvent('payment.failed', { payment }))
  } else {
    payment.status = 'authorized'
    events.push(webhooks.createEvent('payment.authorized', { payment }))
    if (outcome === 'captured') events.push(...markCaptured(order, payment, webhooks))
  }
  return { result: checkoutResult(order, payment, keySecret), events }
}

/** Whether Razorpay can still authorize a payment: it polls the bank for days after a failure. */
export function canAuthorizeLate (payment: PaymentEntity): boolean {
  return payment.status === 'failed' || payment.status === 'created'
}

/**
 * Late authorization: a `failed` (or `created`) payment turns `authorized` after all, and, with
 * `capture` (auto-capture, the default), `captured` with its order paid.
 */
export function authorizeLate (
  order: OrderEntity,
  payment: PaymentEntity,
  webhooks: WebhookDispatcher,
  capture: boolean,
  keySecret: string
): { result: CheckoutResult, events: WebhookEvent[] } {
  payment.status = 'authorized'
  payment.error_code = null
  payment.error_description = null
  payment.error_source = null
  payment.error_step = null
  payment.error_reason = null
  markAttempted(order)
  const events = [webhooks.createEvent('payment.authorized', { payment })]
  if (capture) events.push(...markCaptured(order, payment, webhooks))
  return { result: checkoutResult(order, payment, keySecret), events }
}
