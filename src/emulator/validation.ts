// Input checks of the Razorpay endpoints, with Razorpay's messages; stricter wherever Razorpay's
// behaviour is unconfirmed, so that a service passing here also passes against the real API.
import type { Notes } from './entities.js'
import { extraFieldError, validationError } from './errors.js'

export interface OrderInput {
  amount: number
  currency: string
  receipt: string | null
  notes: Notes
  partialPayment: boolean
}

export interface OrderListQuery {
  count: number
  skip: number
  from?: number
  to?: number
  receipt?: string
  authorized?: boolean
}

const ORDER_FIELDS = new Set(['amount', 'currency', 'receipt', 'notes', 'partial_payment', 'first_payment_min_amount'])
const LIST_FIELDS = new Set(['count', 'skip', 'from', 'to', 'receipt', 'authorized'])
const CAPTURE_FIELDS = new Set(['amount', 'currency'])
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

export function parseOrderCreate (body: unknown): OrderInput {
  const input = asObject(body)
  rejectExtraFields(input, ORDER_FIELDS)
  const amount = checkAmount(input.amount)
  const currency = checkCurrency(input.currency)
  let receipt: string | null = null
  if (input.receipt !== undefined && input.receipt !== null) {
    if (typeof input.receipt !== 'string') throw validationError('The receipt must be a string.', 'receipt')
    if (input.receipt.length > MAX_RECEIPT_LENGTH) {
      throw validationError(`The receipt may not be greater than ${MAX_RECEIPT_LENGTH} characters.`, 'receipt')
    }
    receipt = input.receipt
  }
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

export function parseOrderList (rawQuery: unknown): OrderListQuery {
  const query = asObject(rawQuery)
  // The SDK forwards `expand[]` as a nested `expand` parameter; the emulator has nothing to expand.
  const known = Object.fromEntries(Object.entries(query).filter(([key]) => !key.startsWith('expand')))
  rejectExtraFields(known, LIST_FIELDS)
  const result: OrderListQuery = {
    count: integerParam(known, 'count', 1, 100) ?? 10,
    skip: integerParam(known, 'skip', 0) ?? 0
  }
  const from = integerParam(known, 'from', 0)
  const to = integerParam(known, 'to', 0)
  if (from !== undefined) result.from = from
  if (to !== undefined) result.to = to
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
