// Body parsers of the emulator: JSON that tolerates an empty body (some clients send the header
// without one), and form bodies with Razorpay's `notes[key]=value` nesting.
import type { FastifyInstance } from 'fastify'

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const INTEGER_FIELDS = new Set(['amount', 'first_payment_min_amount'])
const BOOLEAN_VALUES: Record<string, boolean> = { 1: true, true: true, 0: false, false: false }

// Form values are all strings; the JSON checks downstream expect the types the JSON API takes.
function coerce (key: string, value: string): unknown {
  if (INTEGER_FIELDS.has(key) && /^\d+$/.test(value)) return Number(value)
  if (key === 'partial_payment' && value in BOOLEAN_VALUES) return BOOLEAN_VALUES[value]
  return value
}

export function parseForm (body: string): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const nested = /^([^[\]]+)\[([^[\]]*)\]$/.exec(rawKey)
    if (nested === null) {
      if (!UNSAFE_KEYS.has(rawKey)) result[rawKey] = coerce(rawKey, value)
      continue
    }
    const [, parent, child] = nested as unknown as [string, string, string]
    if (UNSAFE_KEYS.has(parent) || UNSAFE_KEYS.has(child)) continue
    const existing = result[parent]
    const container = typeof existing === 'object' && existing !== null ? existing as Record<string, unknown> : {}
    container[child] = value
    result[parent] = container
  }
  return result
}

export function registerBodyParsers (app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body)
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    json(request, text, done)
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(String(body)))
  })
}
