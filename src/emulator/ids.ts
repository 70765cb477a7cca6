// Identifiers and timestamps shaped like Razorpay's: a prefix and 14 alphanumerics, unix seconds.
import { randomBytes } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export function randomAlphanumerics (length = 14): string {
  const bytes = randomBytes(length)
  let out = ''
  // The modulo bias is irrelevant here: the ids only need to look like Razorpay's and not collide.
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length]
  return out
}

export type IdPrefix = 'order' | 'pay' | 'rfnd' | 'disp' | 'acc' | 'evt'

export function newId (prefix: IdPrefix): string {
  return `${prefix}_${randomAlphanumerics()}`
}

/** A new id that none of `taken` has (a collision is astronomically rare, but the emulator must not overwrite). */
export function unusedId (prefix: 'order' | 'pay' | 'rfnd' | 'disp', taken: { has (id: string): boolean }): string {
  let id = newId(prefix)
  while (taken.has(id)) id = newId(prefix)
  return id
}

export function unixSeconds (): number {
  return Math.floor(Date.now() / 1000)
}
