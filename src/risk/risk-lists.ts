// Allow and deny lists, per client: the client itself, one of its sessions, or one of its customers (by id).
// A deny entry refuses every order and payment confirmation it matches; an allow entry exempts its subject from the
// counting rules (a client's allow entry exempts all of the client's traffic). Entries name subjects by their hash.
import type { Store } from '../store/store.js'
import { riskKeys, type SubjectHasher } from './subjects.js'

export type ListName = 'allow' | 'deny'
export type SubjectKind = 'client' | 'session' | 'customer'

export interface ListEntry {
  subject: SubjectKind
  /** The subject's hash (absent for the client itself): the raw id is never stored. */
  hash?: string
  list: ListName
  reason: string
  at: string
}

export class RiskLists {
  readonly #store: Store
  readonly #hasher: SubjectHasher

  constructor (store: Store, hasher: SubjectHasher) {
    this.#store = store
    this.#hasher = hasher
  }

  /** One entry per subject: putting a subject on one list takes it off the other. */
  async put (clientId: string, subject: SubjectKind, value: string | undefined, list: ListName, reason: string): Promise<ListEntry> {
    const field = this.#field(clientId, subject, value)
    const at = new Date().toISOString()
    await this.#store.command('hset', [riskKeys({ clientId }).lists, field, `${list}|${at}|${reason}`])
    return parse(field, `${list}|${at}|${reason}`)
  }

  /** True when an entry was removed. */
  async remove (clientId: string, subject: SubjectKind, value: string | undefined): Promise<boolean> {
    return await this.#store.command('hdel', [riskKeys({ clientId }).lists, this.#field(clientId, subject, value)]) === 1
  }

  async entries (clientId: string): Promise<ListEntry[]> {
    const flat = await this.#store.command('hgetall', [riskKeys({ clientId }).lists]) as string[]
    const entries: ListEntry[] = []
    for (let i = 0; i < flat.length; i += 2) entries.push(parse(flat[i], flat[i + 1]))
    return entries
  }

  /** The field admit-order.lua and admit-payment.lua look up for this subject. */
  #field (clientId: string, subject: SubjectKind, value: string | undefined): string {
    if (subject === 'client' || value === undefined) return 'client'
    return `${subject}:${this.#hasher.hash(clientId, subject, value)}`
  }
}

function parse (field: string, value: string): ListEntry {
  const [list, at, ...reason] = value.split('|')
  const [subject, hash] = field.split(':') as [SubjectKind, string | undefined]
  return { subject, hash, list: list as ListName, at, reason: reason.join('|') }
}
