// The client's key stores and key generator, as a browser uses them (the browser path itself runs in test/browser/).
import t from 'tap'
import { SessionStorageKeyStore, newIdempotencyKey, type WebStorage } from '../client/index.js'

function mapStorage (): WebStorage & { items: Map<string, string> } {
  const items = new Map<string, string>()
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => { items.set(key, value) },
    removeItem: (key) => { items.delete(key) }
  }
}

t.test('SessionStorageKeyStore keeps keys under its prefix, so a reloaded page finds them', async t => {
  const storage = mapStorage()
  const store = new SessionStorageKeyStore(storage)
  store.set('op-1', 'key-1')
  t.same([...storage.items], [['payment-client:op-1', 'key-1']])
  t.equal(new SessionStorageKeyStore(storage).get('op-1'), 'key-1', 'a new store over the same storage (a reload) finds the key')
  t.equal(store.get('op-2'), undefined)
  store.delete('op-1')
  t.equal(store.get('op-1'), undefined)
  t.equal(storage.items.size, 0)
})

t.test('SessionStorageKeyStore without any storage says what it needs', async t => {
  t.throws(() => new SessionStorageKeyStore(), /needs window\.sessionStorage/)
})

t.test('newIdempotencyKey gives a UUID v4, also where randomUUID is missing (plain http off localhost)', async t => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  t.match(newIdempotencyKey(), uuid)
  const randomUUID = globalThis.crypto.randomUUID
  Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true, writable: true })
  t.teardown(() => { Object.defineProperty(globalThis.crypto, 'randomUUID', { value: randomUUID, configurable: true, writable: true }) })
  t.equal(typeof globalThis.crypto.randomUUID, 'undefined', 'the fallback path is the one under test')
  const keys = new Set(Array.from({ length: 1000 }, () => newIdempotencyKey()))
  t.equal(keys.size, 1000, 'no two alike')
  for (const key of keys) if (!uuid.test(key)) t.fail(`${key} is not a UUID v4`)
})
