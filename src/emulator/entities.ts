// The Razorpay entities the emulator keeps and returns, with the field names of the real API.

/** Razorpay returns `[]` rather than `{}` for empty notes (a PHP array artefact). */
export type Notes = Record<string, string | number | boolean | null> | []

export type OrderStatus = 'created' | 'attempted' | 'paid'
export type PaymentStatus = 'created' | 'authorized' | 'captured' | 'refunded' | 'failed'
export type RefundStatus = 'pending' | 'processed' | 'failed'
export type RefundSpeed = 'normal' | 'optimum'
export type DisputePhase = 'created' | 'under_review' | 'action_required' | 'won' | 'lost' | 'closed'
export type DisputeStatus = 'open' | 'under_review' | 'won' | 'lost' | 'closed'

export interface OrderEntity {
  id: string
  entity: 'order'
  amount: number
  amount_paid: number
  amount_due: number
  currency: string
  receipt: string | null
  offer_id: null
  status: OrderStatus
  attempts: number
  notes: Notes
  created_at: number
}

export interface PaymentEntity {
  id: string
  entity: 'payment'
  amount: number
  currency: string
  status: PaymentStatus
  order_id: string
  invoice_id: null
  international: false
  method: 'upi'
  amount_refunded: number
  refund_status: 'partial' | 'full' | null
  captured: boolean
  description: null
  card_id: null
  bank: null
  wallet: null
  vpa: string
  email: string
  contact: string
  notes: Notes
  fee: number | null
  tax: number | null
  error_code: string | null
  error_description: string | null
  error_source: string | null
  error_step: string | null
  error_reason: string | null
  acquirer_data: Record<string, string>
  created_at: number
}

export interface RefundEntity {
  id: string
  entity: 'refund'
  amount: number
  currency: string
  payment_id: string
  notes: Notes
  receipt: string | null
  acquirer_data: { arn: string | null }
  created_at: number
  batch_id: null
  status: RefundStatus
  speed_processed: 'normal'
  speed_requested: RefundSpeed
}

export interface DisputeEntity {
  id: string
  entity: 'dispute'
  payment_id: string
  amount: number
  currency: string
  amount_deducted: number
  reason_code: 'chargeback'
  respond_by: number
  status: DisputeStatus
  phase: 'chargeback'
  created_at: number
}

export interface Collection<T> {
  entity: 'collection'
  count: number
  items: T[]
}

export function collection<T> (items: T[]): Collection<T> {
  return { entity: 'collection', count: items.length, items }
}
