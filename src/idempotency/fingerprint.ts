// A stable SHA-256 of method, route and the canonical JSON of the body: key order never matters.
import { hash } from 'node:crypto'
import { BodyTooDeepError } from '../errors.js'

/** Far deeper than any body a route accepts; a deeper one (on a route without a body schema) is refused, not recursed. */
const maxDepth = 64

/** JSON with object keys sorted at every depth; arrays keep their order. */
export function canonicalJson (value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (depth >= maxDepth) throw new BodyTooDeepError(maxDepth)
  if (Array.isArray(value)) return `[${value.map(item => canonicalJson(item, depth + 1)).join(',')}]`
  const entries = Object.keys(value as Record<string, unknown>).sort()
    .filter(key => (value as Record<string, unknown>)[key] !== undefined)
    .map(key => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key], depth + 1)}`)
  return `{${entries.join(',')}}`
}

export function requestFingerprint (method: string, route: string, body: unknown): string {
  return hash('sha256', `${method}\n${route}\n${body === undefined ? '' : canonicalJson(body)}`, 'base64url')
}
