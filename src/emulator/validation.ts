// Input checks of the Razorpay endpoints, with Razorpay's messages; stricter wherever Razorpay's
// behaviour is unconfirmed, so that a service passing here also passes against the real API.
import type { Notes, RefundSpeed } from './entities.js'
import { extraFieldError, validationError } from './errors.js'

export interface OrderInput {
  amount: number
  currency: string
  receipt: string | null
  notes: Notes
  partialPayment: boolean
}

export interface PageQuery {
  count: number
  skip: number
  from?: number
  to?: number
}

export interface OrderListQuery extends PageQuery {
  receipt?: string
  authorized?: boolean
}

export interface RefundInput {
  /** As sent: undefined means the whole unrefunded amount. */
  amount?: number
  speed?: RefundSpeed
  notes: Notes
  receipt: string | null
}

const ORDER_FIELDS = new Set(['amount', 'currency', 'receipt', 'notes', 'partial_payment', 'first_payment_min_amount'])
const LIST_FIELDS = new Set(['count', 'skip', 'from', 'to', 'receipt', 'authorized'])
const PAGE_FIELDS = new Set(['count', 'skip', 'from', 'to'])
const CAPTURE_FIELDS = new Set(['amount', 'currency'])
const REFUND_FIELDS = new Set(['amount', 'speed', 'notes', 'receipt'])
const REFUND_SPEEDS = new Set(['normal', 'optimum'])
const IDEMPOTENCY_KEY_LENGTH = { min: 10, max: 255 }
const SUPPORTED_CURRENCIES = new Set(['INR'])
const MAX_NOTES = 15
const MAX_NOTE_LENGTH = 256
const MAX_RECEIPT_LENGTH = 40

function asObject (body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body)) throw validationError('The request body must be an object.')
  return body as Record<string, unknown>
}

function rejectExtraFields (input: Record<string, unknown>, allowed: Set<string>): void {
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) throw extraFieldError(key)
  }
}

function checkAmount (value: unknown, minimum = 100): number {
  if (value === undefined || value === null) throw validationError('The amount field is required.', 'amount')
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw validationError('The amount must be an integer.', 'amount')
  if (value < minimum) throw validationError('The amount must be at least INR 1.00', 'amount')
  return value
}

function checkCurrency (value: unknown): string {
  if (value === undefined || value === null) throw validationError('The currency field is required.', 'currency')
  if (typeof value !== 'string' || !/^[A-Za-z]{3}$/.test(value)) throw validationError('The currency must be 3 characters.', 'currency')
  if (!SUPPORTED_CURRENCIES.has(value)) throw validationError('Currency is not supported', 'currency')
  return value
}

function checkNotes (value: unknown): Notes {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) {
    if (value.length === 0) return []
    throw validationError('The notes must be an object of key-value pairs.', 'notes')
  }
  if (typeof value !== 'object') throw validationError('The notes must be an object of key-value pairs.', 'notes')
  const entries = Object.entries(value)
  if (entries.length === 0) return []
  if (entries.length > MAX_NOTES) {
    throw validationError(`Number of fields in notes should be less than or equal to ${MAX_NOTES}`, 'notes')
  }
  const notes: Record<string, string | number | boolean | null> = {}
  for (const [key, note] of entries) {
    if (note !== null && typeof note === 'object') throw validationError(`The notes.${key} must be a string.`, 'notes')
    if (String(note).length > MAX_NOTE_LENGTH) {
      throw validationError(`The notes.${key} may not be greater than ${MAX_NOTE_LENGTH} characters.`, 'notes')
    }
    notes[key] = note as string | number | boolean | null
  }
  return notes
}

function checkReceipt (value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw validationError('The receipt must be a string.', 'receipt')
  if (value.length > MAX_RECEIPT_LENGTH) {
    throw validationError(`The receipt may not be greater than ${MAX_RECEIPT_LENGTH} characters.`, 'receipt')
  }
  return value
}

export function parseOrderCreate (body: unknown): OrderInput {
  const input = asObject(body)
  rejectExtraFields(input, ORDER_FIELDS)
  const amount = checkAmount(input.amount)
  const currency = checkCurrency(input.currency)
  const receipt = checkReceipt(input.receipt)
  const notes = checkNotes(input.notes)
  const partialPayment = input.partial_payment ?? false
  if (typeof partialPayment !== 'boolean') {
    throw validationError('The partial payment field must be true or false.', 'partial_payment')
  }
  if (input.first_payment_min_amount !== undefined) {
    if (!partialPayment) throw extraFieldError('first_payment_min_amount')
    checkAmount(input.first_payment_min_amount)
  }
  return { amount, currency, receipt, notes, partialPayment }
}

function integerParam (query: Record<string, unknown>, name: string, min: number, max?: number): number | undefined {
  const raw = query[name]
  if (raw === undefined || raw === '') return undefined
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) throw validationError(`The ${name} must be an integer.`, name)
  const value = Number(raw)
  if (value < min) throw validationError(`The ${name} must be at least ${min}.`, name)
  if (max !== undefined && value > max) throw validationError(`The ${name} may not be greater than ${max}.`, name)
  return value
}

function parsePage (query: Record<string, unknown>): PageQuery {
  const page: PageQuery = {
    count: integerParam(query, 'count', 1, 100) ?? 10,
    skip: integerParam(query, 'skip', 0) ?? 0
  }
  const from = integerParam(query, 'from', 0)
  const to = integerParam(query, 'to', 0)
  if (from !== undefined) page.from = from
  if (to !== undefined) page.to = to
  return page
}

export function parseOrderList (rawQuery: unknown): OrderListQuery {
  const query = asObject(rawQuery)
  // The SDK forwards `expand[]` as a nested `expand` parameter; the emulator has nothing to expand.
  const known = Object.fromEntries(Object.entries(query).filter(([key]) => !key.startsWith('expand')))
  rejectExtraFields(known, LIST_FIELDS)
  const result: OrderListQuery = parsePage(known)
  if (known.receipt !== undefined) {
    if (typeof known.receipt !== 'string') throw validationError('The receipt must be a string.', 'receipt')
    result.receipt = known.receipt
  }
  if (known.authorized !== undefined) {
    const flag = known.authorized
    if (flag === '1' || flag === 'true') result.authorized = true
    else if (flag === '0' || flag === 'false') result.authorized = false
    else throw validationError('The authorized field must be 0 or 1.', 'authorized')
  }
  return result
}

export function parseCapture (body: unknown): { amount: number, currency: string } {
  const input = asObject(body)
  rejectExtraFields(input, CAPTURE_FIELDS)
  return { amount: checkAmount(input.amount), currency: checkCurrency(input.currency) }
}

export function parseRefund (body: unknown): RefundInput {
  const input = asObject(body)
  rejectExtraFields(input, REFUND_FIELDS)
  const refund: RefundInput = { notes: checkNotes(input.notes), receipt: checkReceipt(input.receipt) }
  if (input.amount !== undefined && input.amount !== null) refund.amount = checkAmount(input.amount)
  if (input.speed !== undefined && input.speed !== null) {
    if (typeof input.speed !== 'string' || !REFUND_SPEEDS.has(input.speed)) {
      throw validationError('The selected speed is invalid.', 'speed')
    }
    refund.speed = input.speed as RefundSpeed
  }
  return refund
}

export function parseRefundList (rawQuery: unknown): PageQuery {
  const query = asObject(rawQuery)
  rejectExtraFields(query, PAGE_FIELDS)
  return parsePage(query)
}

/** The `X-Refund-Idempotency` header, if sent; Fastify has lowercased its name already. */
export function parseIdempotencyKey (header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  const key = Array.isArray(header) ? header.join(', ') : header
  const { min, max } = IDEMPOTENCY_KEY_LENGTH
  if (key.length < min || key.length > max) {
    throw validationError(`The X-Refund-Idempotency header must be between ${min} and ${max} characters.`)
  }
  return key
}
