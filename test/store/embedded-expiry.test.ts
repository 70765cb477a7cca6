// Embedded-only: TTLs against an injected clock (exact millisecond edges), lazy expiry and the bounded
// background sweep that frees keys nobody reads.
import t, { type Test } from 'tap'
import { EmbeddedStore, type EmbeddedStoreOptions } from '../../src/store/embedded/embedded-store.js'
import { MiniRedis } from '../../src/store/embedded/mini-redis.js'
import { freshScript, waitFor } from './contract-helpers.js'

const START = 1_700_000_000_000

function storeAt (t: Test, options: EmbeddedStoreOptions = {}): { store: EmbeddedStore, clock: { now: number } } {
  const clock = { now: START }
  const store = new EmbeddedStore({ now: () => clock.now, ...options })
  t.teardown(async () => await store.close())
  return { store, clock }
}

t.test('a PX key lives through its last millisecond and is gone one millisecond later', async t => {
  const { store, clock } = storeAt(t)
  await store.command('set', ['k', 'v', 'PX', 100])
  clock.now = START + 99
  t.equal(await store.command('pttl', ['k']), 1)
  clock.now = START + 100
  t.equal(await store.command('get', ['k']), 'v', 'Redis expires a key only once now > its deadline')
  t.equal(await store.command('pttl', ['k']), 0)
  clock.now = START + 101
  t.equal(await store.command('get', ['k']), null)
  t.equal(await store.command('pttl', ['k']), -2)
  t.equal(await store.command('set', ['k', 'again', 'NX']), 'OK', 'an expired key counts as missing')
})

t.test('TTL rounds to the nearest second like Redis; EXPIREAT takes absolute times', async t => {
  const { store, clock } = storeAt(t)
  await store.command('set', ['k', 'v', 'PX', 1499])
  t.equal(await store.command('ttl', ['k']), 1)
  await store.command('pexpire', ['k', 1500])
  t.equal(await store.command('ttl', ['k']), 2)
  await store.command('pexpire', ['k', 499])
  t.equal(await store.command('ttl', ['k']), 0)
  await store.command('pexpireat', ['k', START + 5000])
  t.equal(await store.command('pttl', ['k']), 5000)
  await store.command('expireat', ['k', START / 1000 + 60])
  t.equal(await store.command('ttl', ['k']), 60)
  clock.now = START + 60_001
  t.equal(await store.command('exists', ['k']), 0)
})

t.test('TIME and stream ids follow the injected clock; ids never go back', async t => {
  const { store, clock } = storeAt(t)
  clock.now = START + 123.4567
  t.same(await store.command('time', []), [String(START / 1000), '123456'])
  clock.now = START
  t.equal(await store.command('xadd', ['s', '*', 'f', '1']), `${START}-0`)
  t.equal(await store.command('xadd', ['s', '*', 'f', '2']), `${START}-1`)
  clock.now = START - 5000
  t.equal(await store.command('xadd', ['s', '*', 'f', '3']), `${START}-2`, 'a clock going back keeps ids increasing')
  clock.now = START + 7
  t.equal(await store.command('xadd', ['s', '*', 'f', '4']), `${START + 7}-0`)
})

t.test('a script reads the clock once, so no key expires halfway through it', async t => {
  let now = START
  const store = new EmbeddedStore({ now: () => (now += 1000) })
  t.teardown(async () => await store.close())
  const script = freshScript("redis.call('set', KEYS[1], 'v', 'PX', 500) return redis.call('get', KEYS[1])")
  t.equal(await store.eval(script, ['k'], []), 'v')
  t.equal(await store.command('get', ['k']), null, 'between calls the clock moves on')
})

t.test('reading an expired key deletes it, freeing its memory', async t => {
  const { store, clock } = storeAt(t, { sweepIntervalMs: 60_000 })
  for (const name of ['a', 'b', 'c']) await store.command('set', [name, 'v', 'PX', 10])
  clock.now += 11
  t.equal(store.stats().keys, 3, 'nothing has looked at them yet')
  await store.command('get', ['a'])
  t.same(store.stats(), { keys: 2, expires: 2, channels: 0 })
  t.equal(await store.command('dbsize', []), 0, 'DBSIZE counts live keys only')
  t.same(store.stats(), { keys: 0, expires: 0, channels: 0 })
})

t.test('the background sweep removes expired keys nobody reads', async t => {
  const { store, clock } = storeAt(t, { sweepIntervalMs: 5, sweepBatch: 50 })
  for (let i = 0; i < 500; i++) await store.command('set', [`temp:${i}`, 'v', 'PX', 1000])
  for (let i = 0; i < 10; i++) await store.command('set', [`kept:${i}`, 'v'])
  await store.command('set', ['later', 'v', 'PX', 60_000])
  clock.now += 1001
  t.ok(await waitFor(() => store.stats().keys === 11, 10_000), 'expired keys are swept')
  t.same(store.stats(), { keys: 11, expires: 1, channels: 0 })
  t.equal(await store.command('get', ['later']), 'v')
})

t.test('each sweep step checks a bounded number of keys and resumes where it stopped', async t => {
  let now = START
  const db = new MiniRedis({ now: () => now, publish: () => 0 })
  for (let i = 0; i < 1000; i++) db.execute(['set', `k${i}`, 'v', 'PX', String(i < 500 ? 10 : 60_000)], false)
  now += 11
  const removed = []
  for (let step = 0; step < 12; step++) removed.push(db.sweep(100))
  t.ok(removed.every(n => n <= 100), 'never more than the batch')
  t.equal(removed.reduce((a, b) => a + b, 0), 500, 'every expired key, once')
  t.same(db.stats(), { keys: 500, expires: 500 })
})

t.test('FLUSHALL empties the store and its TTL index', async t => {
  const { store } = storeAt(t)
  await store.command('set', ['a', 'v', 'PX', 1000])
  await store.command('hset', ['h', 'f', 'v'])
  t.equal(await store.command('flushall', []), 'OK')
  t.same(store.stats(), { keys: 0, expires: 0, channels: 0 })
})
