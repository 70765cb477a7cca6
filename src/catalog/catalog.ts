// Variants (price, currency, stock) and their reservations in the store. Every change of stock is one atomic
// script on the variant's hash slot, so available + reserved + sold always equals the stock the admin set.
import { defineScript, type Store, type StoreReply } from '../store/store.js'

const scripts = {
  putVariant: defineScript('catalog-put-variant', new URL('./put-variant.lua', import.meta.url)),
  seedVariant: defineScript('catalog-seed-variant', new URL('./seed-variant.lua', import.meta.url)),
  reserve: defineScript('catalog-reserve', new URL('./reserve.lua', import.meta.url)),
  attachOrder: defineScript('catalog-attach-order', new URL('./attach-order.lua', import.meta.url)),
  settle: defineScript('catalog-settle', new URL('./settle.lua', import.meta.url)),
  sell: defineScript('catalog-sell', new URL('./sell.lua', import.meta.url))
}

/** How long the marker that makes a sale happen once is kept: longer than any payment can arrive late. */
const saleMarkerTtlSeconds = 90 * 24 * 3600

const variantIndex = 'variants'

export interface VariantInput { price: number, currency: string, stock: number }
export interface Variant {
  variantId: string
  price: number
  currency: string
  available: number
  reserved: number
  sold: number
  /** Units paid for after their reservation ended with no stock left: for an operator to resolve. */
  oversold?: number
}

export interface ReserveInput {
  variantId: string
  reservationId: string
  quantity: number
  amount: number
  currency: string
  expiresAt: number
  clientId: string
}

export type ReserveResult =
  | { outcome: 'reserved' | 'existing', expiresAt: number }
  | { outcome: 'not_found' | 'conflict' }
  | { outcome: 'amount_mismatch', price: number }
  | { outcome: 'currency_mismatch', currency: string }
  | { outcome: 'insufficient', available: number }

export type PutVariantResult = { updated: true, variant: Variant } | { updated: false, committed: number }

export type SettleMode = 'release' | 'expire'
export type SaleOutcome = 'committed' | 'late' | 'oversold'
/** The outcome of the order's one sale, and whether this call made it. */
export interface SaleResult { outcome: SaleOutcome, first: boolean }
export type SettleResult = { ended: true, orderId: string | undefined, quantity: number } | { ended: false }

/**
 * What happened to stock, told once per change after the script that made it (never from Lua, never for a repeat):
 * a reservation made, sold, released or expired, or a payment for an order whose reservation had already ended.
 */
export type StockEvent = 'made' | 'sold' | 'released' | 'expired' | 'late' | 'oversold'

export interface CatalogOptions {
  now?: () => number
  /** Told each StockEvent (the metrics count them). */
  onStockEvent?: (event: StockEvent) => void
}

export interface DueReservation { reservationId: string, expiresAt: number }

/** All keys of a variant share its {hash tag}. */
export function variantKeys (variantId: string): { variant: string, reservations: string, expiries: string } {
  return {
    variant: `variant:{${variantId}}`,
    reservations: `variant:{${variantId}}:reservations`,
    expiries: `variant:{${variantId}}:expiries`
  }
}

function saleKey (variantId: string, reservationId: string): string {
  return `variant:{${variantId}}:sale:${reservationId}`
}

export class Catalog {
  readonly #store: Store
  readonly #now: () => number
  readonly #onStockEvent: (event: StockEvent) => void

  constructor (store: Store, options: CatalogOptions = {}) {
    this.#store = store
    this.#now = options.now ?? Date.now
    this.#onStockEvent = options.onStockEvent ?? (() => {})
  }

  async getVariant (variantId: string): Promise<Variant | undefined> {
    const reply = await this.#store.command('hmget',
      [variantKeys(variantId).variant, 'price', 'currency', 'available', 'reserved', 'sold', 'oversold']) as Array<string | null>
    if (reply[0] === null) return undefined
    return {
      variantId,
      price: Number(reply[0]),
      currency: String(reply[1]),
      available: Number(reply[2]),
      reserved: Number(reply[3]),
      sold: Number(reply[4]),
      oversold: reply[5] === null ? undefined : Number(reply[5])
    }
  }

  async putVariant (variantId: string, input: VariantInput): Promise<PutVariantResult> {
    const keys = variantKeys(variantId)
    await this.#index(variantId)
    const reply = await this.#store.eval(scripts.putVariant, [keys.variant],
      [variantId, input.price, input.currency, input.stock, this.#now()]) as number[]
    if (reply[0] === 0) return { updated: false, committed: reply[1] }
    return {
      updated: true,
      variant: { variantId, price: input.price, currency: input.currency, available: reply[1], reserved: reply[2], sold: reply[3] }
    }
  }

  /** Adds a variant only if the store does not have it yet; true when added. */
  async seedVariant (variantId: string, input: VariantInput): Promise<boolean> {
    const keys = variantKeys(variantId)
    await this.#index(variantId)
    return await this.#store.eval(scripts.seedVariant, [keys.variant],
      [variantId, input.price, input.currency, input.stock, this.#now()]) === 1
  }

  /**
   * The index lives in its own hash slot, so it cannot join the variant's script on a Cluster. It is written first:
   * a variant is never in the store without being in the index the sweeper walks.
   */
  async #index (variantId: string): Promise<void> {
    await this.#store.command('sadd', [variantIndex, variantId])
  }

  async listVariantIds (): Promise<string[]> {
    return await this.#store.command('smembers', [variantIndex]) as string[]
  }

  async reserve (input: ReserveInput): Promise<ReserveResult> {
    const keys = variantKeys(input.variantId)
    const reply = await this.#store.eval(scripts.reserve, [keys.variant, keys.reservations, keys.expiries, saleKey(input.variantId, input.reservationId)], [
      input.reservationId, input.quantity, input.amount, input.currency, input.expiresAt, input.clientId
    ]) as StoreReply[]
    switch (reply[0]) {
      case 'reserved':
        this.#onStockEvent('made')
        return { outcome: 'reserved', expiresAt: Number(reply[1]) }
      case 'existing': return { outcome: 'existing', expiresAt: Number(reply[1]) }
      case 'amount_mismatch': return { outcome: 'amount_mismatch', price: Number(reply[1]) }
      case 'currency_mismatch': return { outcome: 'currency_mismatch', currency: String(reply[1]) }
      case 'insufficient': return { outcome: 'insufficient', available: Number(reply[1]) }
      case 'conflict': return { outcome: 'conflict' }
      default: return { outcome: 'not_found' }
    }
  }

  async attachOrder (variantId: string, reservationId: string, orderId: string): Promise<boolean> {
    return await this.#store.eval(scripts.attachOrder, [variantKeys(variantId).reservations], [reservationId, orderId]) === 1
  }

  async settle (variantId: string, reservationId: string, mode: SettleMode): Promise<SettleResult> {
    const keys = variantKeys(variantId)
    const reply = await this.#store.eval(scripts.settle, [keys.variant, keys.reservations, keys.expiries],
      [reservationId, mode, this.#now()]) as StoreReply[]
    if (reply[0] === -1) throw new Error(`reservation ${reservationId} of ${variantId} is malformed; it was left as it is`)
    if (reply[0] !== 1) return { ended: false }
    this.#onStockEvent(mode === 'release' ? 'released' : 'expired')
    const orderId = String(reply[1] ?? '')
    return { ended: true, orderId: orderId === '' ? undefined : orderId, quantity: Number(reply[2]) }
  }

  /** Records the sale of a paid order once, whatever happened to its reservation before. */
  async sell (variantId: string, reservationId: string, quantity: number): Promise<SaleResult> {
    const keys = variantKeys(variantId)
    const reply = await this.#store.eval(scripts.sell, [keys.variant, keys.reservations, keys.expiries, saleKey(variantId, reservationId)],
      [reservationId, quantity, saleMarkerTtlSeconds]) as [SaleOutcome, number]
    const first = reply[1] === 1
    if (first) this.#onStockEvent(reply[0] === 'committed' ? 'sold' : reply[0])
    return { outcome: reply[0], first }
  }

  /** Moves a due expiry entry that could not be settled to a later time, so it never blocks the sweep. */
  async postponeExpiry (variantId: string, reservationId: string, at: number): Promise<void> {
    await this.#store.command('zadd', [variantKeys(variantId).expiries, 'XX', at, reservationId])
  }

  /** The order a held reservation belongs to ('' when none is attached yet); undefined once it has ended. */
  async reservationOrder (variantId: string, reservationId: string): Promise<string | undefined> {
    const value = await this.#store.command('hget', [variantKeys(variantId).reservations, reservationId]) as string | null
    return value === null ? undefined : value.slice(value.lastIndexOf('|') + 1)
  }

  /** Reservations of a variant whose time has passed, oldest first, with their expiry (ms). */
  async expiredReservations (variantId: string, limit: number): Promise<DueReservation[]> {
    const flat = await this.#store.command('zrangebyscore',
      [variantKeys(variantId).expiries, '-inf', this.#now(), 'WITHSCORES', 'LIMIT', 0, limit]) as string[]
    const due: DueReservation[] = []
    for (let i = 0; i < flat.length; i += 2) due.push({ reservationId: flat[i], expiresAt: Number(flat[i + 1]) })
    return due
  }
}
