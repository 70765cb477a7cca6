// Webhook delivery as Razorpay does it: signed raw JSON, an event id header that stays the same on
// redelivery, a response timeout, and redeliveries in the background after a non-2xx or a timeout.
import { createHmac } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { Agent, request } from 'undici'
import type { FastifyBaseLogger } from 'fastify'
import type { DisputeEntity, DisputePhase, OrderEntity, PaymentEntity, RefundEntity } from './entities.js'
import { newId, unixSeconds } from './ids.js'

export type WebhookEventName =
  | 'payment.authorized' | 'payment.captured' | 'payment.failed' | 'order.paid'
  | 'refund.created' | 'refund.processed' | 'refund.failed'
  | `payment.dispute.${DisputePhase}`

/**
 * The entities an event carries. Key order matters: it is the order of `contains` and of `payload`
 * in the signed body, e.g. `{ payment, order }` for order.paid, `{ refund, payment }` for refunds.
 */
export interface EventEntities {
  payment?: PaymentEntity
  order?: OrderEntity
  refund?: RefundEntity
  dispute?: DisputeEntity
}

export interface WebhookEvent {
  id: string
  name: WebhookEventName
  /** The exact bytes sent and signed; a redelivery sends the same. */
  body: string
  /** Bumped by `forget()`: an event from before a reset is never sent again. */
  generation: number
}

export interface DeliveryOptions {
  duplicate?: boolean
  reverse?: boolean
  /** Razorpay's delivery lost: the events are made but never sent. */
  skip?: boolean
}

export interface WebhookDispatcherOptions {
  secret: string
  url: string | undefined
  retryDelaysMs: number[]
  timeoutMs: number
  log: FastifyBaseLogger
  onDelivered: () => void
}

export function signWebhook (body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex')
}

export class WebhookDispatcher {
  readonly accountId = newId('acc')
  url: string | undefined
  private readonly agent = new Agent({ keepAliveTimeout: 1000 })
  private readonly closing = new AbortController()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly inFlight = new Set<Promise<boolean>>()
  private generation = 0

  constructor (private readonly options: WebhookDispatcherOptions) {
    this.url = options.url
    // Every delivery in flight listens for the close: many at once are normal under load, not a leak.
    setMaxListeners(0, this.closing.signal)
  }

  /** Entities are copied now: later state changes must not leak into an event already emitted. */
  createEvent (name: WebhookEventName, entities: EventEntities): WebhookEvent {
    const payload: Record<string, { entity: unknown }> = {}
    for (const [key, entity] of Object.entries(entities)) {
      if (entity !== undefined) payload[key] = { entity: structuredClone(entity) }
    }
    const envelope = {
      entity: 'event',
      account_id: this.accountId,
      event: name,
      contains: Object.keys(payload),
      payload,
      created_at: unixSeconds()
    }
    return { id: newId('evt'), name, body: JSON.stringify(envelope), generation: this.generation }
  }

  /** Drops pending redeliveries (the control surface's reset), so no old event lands afterwards. */
  forget (): void {
    this.generation++
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  /**
   * Sends each event once, one after the other, and resolves when every first attempt has ended, so
   * tests see the webhooks before the call that caused them returns. Failed attempts are retried
   * later in the background. With `duplicate`, the whole batch is sent a second time afterwards;
   * with `skip`, nothing is sent at all.
   */
  async deliver (events: WebhookEvent[], options: DeliveryOptions = {}): Promise<void> {
    if (this.url === undefined || this.closing.signal.aborted || options.skip === true) return
    const ordered = options.reverse === true ? [...events].reverse() : events
    const batch = options.duplicate === true ? [...ordered, ...ordered] : ordered
    for (const event of batch) {
      const delivered = await this.attempt(event)
      if (!delivered) this.scheduleRetry(event, 0)
    }
  }

  /** Stops retries, aborts deliveries under way and waits for them to settle. */
  async close (): Promise<void> {
    this.closing.abort()
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await Promise.allSettled([...this.inFlight])
    await this.agent.destroy()
  }

  private scheduleRetry (event: WebhookEvent, retry: number): void {
    const delay = this.options.retryDelaysMs[retry]
    if (this.closing.signal.aborted || event.generation !== this.generation) return
    if (delay === undefined) {
      this.options.log.warn({ eventId: event.id, event: event.name }, 'emulator gave up delivering a webhook')
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.attempt(event).then((delivered) => {
        if (!delivered) this.scheduleRetry(event, retry + 1)
      }, () => {})
    }, delay)
    // A pending redelivery alone must not keep a test process alive.
    timer.unref()
    this.timers.add(timer)
  }

  private attempt (event: WebhookEvent): Promise<boolean> {
    const pending = this.send(event)
    this.inFlight.add(pending)
    return pending.finally(() => this.inFlight.delete(pending))
  }

  private async send (event: WebhookEvent): Promise<boolean> {
    const url = this.url
    if (url === undefined || this.closing.signal.aborted || event.generation !== this.generation) return false
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json',
          'X-Razorpay-Signature': signWebhook(event.body, this.options.secret),
          'x-razorpay-event-id': event.id,
          'user-agent': 'Razorpay-Webhook/v1'
        },
        body: event.body,
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs)])
      })
      await response.body.dump()
      const ok = response.statusCode >= 200 && response.statusCode < 300
      if (!ok) this.options.log.warn({ eventId: event.id, statusCode: response.statusCode }, 'webhook receiver answered non-2xx')
      else if (event.generation === this.generation) this.options.onDelivered()
      return ok
    } catch (err) {
      if (!this.closing.signal.aborted) this.options.log.warn({ err, eventId: event.id }, 'webhook delivery failed')
      return false
    }
  }
}
