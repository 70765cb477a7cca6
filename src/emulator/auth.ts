// HTTP Basic authentication of the /v1 API with the emulator's key id and secret.
import { timingSafeEqual } from 'node:crypto'

function sameText (a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

export function isAuthorized (header: string | undefined, keyId: string, keySecret: string): boolean {
  if (header === undefined) return false
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (match === null) return false
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return false
  // Both halves are compared even when the first differs, so timing reveals neither.
  const idMatches = sameText(decoded.slice(0, colon), keyId)
  const secretMatches = sameText(decoded.slice(colon + 1), keySecret)
  return idMatches && secretMatches
}
