// Who a risk rule counts: the client, and the end customer's session, customer id or address and payment instrument.
// Those come from callers' shoppers, so they reach Redis, logs and the audit trail only as keyed hashes: a leaked
// store reveals neither ids nor addresses, and an address cannot be recovered by hashing the IPv4 space.
import { createHmac } from 'node:crypto'

export interface RiskSubjects {
  clientId: string
  /** Hash of the session id. */
  session?: string
  /** `id:<hash>` of the customer id, or `ip:<hash>` of the address when no id was given. */
  customer?: string
  /** Hash of the payment instrument (card id, VPA, email or phone), known only once a payment exists. */
  instrument?: string
}

export interface EndCustomer {
  id?: string
  ip?: string
}

export class SubjectHasher {
  readonly #secret: string

  constructor (secret: string) {
    this.#secret = secret
  }

  hash (clientId: string, kind: string, value: string): string {
    return createHmac('sha256', this.#secret).update(`${kind}\0${clientId}\0${value}`).digest('hex').slice(0, 32)
  }

  subjects (clientId: string, sessionId: string | undefined, customer: EndCustomer | undefined): RiskSubjects {
    return {
      clientId,
      session: sessionId === undefined ? undefined : this.hash(clientId, 'session', sessionId),
      customer: this.customerRef(clientId, customer)
    }
  }

  customerRef (clientId: string, customer: EndCustomer | undefined): string | undefined {
    if (customer?.id !== undefined) return `id:${this.hash(clientId, 'customer', customer.id)}`
    if (customer?.ip !== undefined) return `ip:${this.hash(clientId, 'ip', customer.ip.toLowerCase())}`
    return undefined
  }
}

/** The Redis keys of one client's rules: all under the tag `{risk:<clientId>}`, so one script may touch them all. */
export function riskKeys (subjects: RiskSubjects) {
  const prefix = `{risk:${subjects.clientId}}`
  const unused = `${prefix}:unused`
  return {
    lists: `${prefix}:lists`,
    admitted: (executionId: string) => `${prefix}:admitted:${executionId}`,
    clientOrders: `${prefix}:orders`,
    customerOrders: subjects.customer === undefined ? unused : `${prefix}:orders:${subjects.customer}`,
    clientAmount: `${prefix}:amount`,
    customerAmount: subjects.customer === undefined ? unused : `${prefix}:amount:${subjects.customer}`,
    clientHolds: `${prefix}:holds`,
    sessionHolds: subjects.session === undefined ? unused : `${prefix}:holds:${subjects.session}`,
    sessionFailures: subjects.session === undefined ? unused : `${prefix}:failed:session:${subjects.session}`,
    customerFailures: subjects.customer === undefined ? unused : `${prefix}:failed:customer:${subjects.customer}`,
    instrumentFailures: subjects.instrument === undefined ? unused : `${prefix}:failed:instrument:${subjects.instrument}`,
    orderFailures: (orderId: string) => `${prefix}:failed:order:${orderId}`,
    orderSignatureFailures: (orderId: string) => `${prefix}:signature-failures:${orderId}`,
    failedPayment: (paymentId: string) => `${prefix}:failed-payment:${paymentId}`,
    sessionListField: subjects.session === undefined ? '' : `session:${subjects.session}`,
    /** Lists name customers by id; a customer known only by address is not on a list. */
    customerListField: subjects.customer?.startsWith('id:') === true ? `customer:${subjects.customer.slice(3)}` : ''
  }
}
