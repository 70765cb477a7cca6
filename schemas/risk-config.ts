// The risk rules' thresholds (docs/PAYMENT_SECURITY.md explains each default). 0 turns a rule off.
import Type from 'typebox'

const Threshold = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 1_000_000_000_000, default: defaultValue, description })

export const RiskConfigProperties = {
  RISK_CLIENT_ORDERS_PER_MINUTE: Threshold(6000, 'orders one client may create per minute (0: off)'),
  RISK_CUSTOMER_ORDERS_PER_MINUTE: Threshold(10, 'orders one end customer may create per minute (0: off)'),
  RISK_CLIENT_AMOUNT_PER_HOUR: Threshold(0, 'amount (smallest unit) one client may order per hour (0: off)'),
  RISK_CUSTOMER_AMOUNT_PER_HOUR: Threshold(10_000_000, 'amount (smallest unit) one end customer may order per hour (0: off)'),
  RISK_SESSION_OPEN_RESERVATIONS: Threshold(10, 'unpaid, unexpired reservations one session may hold (0: off)'),
  RISK_CLIENT_OPEN_RESERVATIONS: Threshold(100_000, 'unpaid, unexpired reservations one client may hold (0: off)'),
  RISK_ORDER_FAILED_PAYMENTS_PER_HOUR: Threshold(3, 'failed payments on one order per hour before it locks (0: off)'),
  RISK_SESSION_FAILED_PAYMENTS_PER_HOUR: Threshold(10, 'failed payments in one session per hour before it is refused (0: off)'),
  RISK_CUSTOMER_FAILED_PAYMENTS_PER_HOUR: Threshold(5, 'failed payments of one end customer per hour before it is refused (0: off)'),
  RISK_INSTRUMENT_FAILED_PAYMENTS_PER_HOUR: Threshold(10, 'failed payments of one card, VPA, email or phone per hour before card testing is reported (0: off)'),
  RISK_ORDER_SIGNATURE_FAILURES: Threshold(5, 'checkout-signature failures on one order before it locks (0: off)'),
  RISK_HASH_SECRET: Type.Optional(Type.String({ minLength: 16, description: 'key of the HMAC that replaces session, customer ids and addresses in Redis and logs' }))
}
