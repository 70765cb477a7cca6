// Embedded-only: promise behaviour, close(), pub/sub delivery timing and bookkeeping, and the guards a
// single-process store adds (CROSSSLOT like a Cluster, a time limit for runaway scripts, bounded caches).
import t from 'tap'
import { ReplyError } from 'ioredis'
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js'
import { StoreUnavailableError } from '../../src/store/store.js'
import { freshScript, waitFor } from './contract-helpers.js'

function openStore (t: { teardown (fn: () => unknown): void }, options = {}): EmbeddedStore {
  const store = new EmbeddedStore(options)
  t.teardown(async () => await store.close())
  return store
}

t.test('after close() every call rejects with StoreUnavailableError', async t => {
  const store = new EmbeddedStore()
  await store.command('set', ['k', 'v'])
  await store.close()
  await store.close()
  await t.rejects(store.command('get', ['k']), StoreUnavailableError)
  await t.rejects(store.eval(freshScript('return 1'), [], []), StoreUnavailableError)
  await t.rejects(store.subscribe('ch', () => {}), StoreUnavailableError)
  await t.rejects(store.ping(), StoreUnavailableError)
})

t.test('calls never throw synchronously: failures are rejected promises with ioredis ReplyErrors', async t => {
  const store = openStore(t)
  let pending: Promise<unknown> | undefined
  t.doesNotThrow(() => { pending = store.command('nosuchcommand', []) })
  const err = await pending?.then(() => undefined, (err: unknown) => err)
  t.ok(err instanceof ReplyError, 'the same error class RedisStore passes through')
  t.doesNotThrow(() => { pending = store.eval(freshScript('return +'), [], []) })
  await t.rejects(pending as Promise<unknown>, ReplyError)
})

t.test('a PUBLISH inside a script is delivered after the script, never during it', async t => {
  const store = openStore(t)
  const heard: string[] = []
  await store.subscribe('ch', message => {
    heard.push(message)
    // a listener may use the store right away: delivery is not nested inside the publishing call
    store.command('incr', ['deliveries']).catch(() => {})
  })
  const pending = store.eval(freshScript("redis.call('publish', 'ch', 'first') return redis.call('publish', 'ch', 'second')"), [], [])
  t.same(heard, [], 'nothing is delivered synchronously')
  t.equal(await pending, 1)
  t.ok(await waitFor(() => heard.length === 2))
  t.same(heard, ['first', 'second'], 'in publish order')
  t.ok(await waitFor(async () => await store.command('get', ['deliveries']) === '2'))
})

t.test('unsubscribing the last listener forgets the channel', async t => {
  const store = openStore(t)
  const first = await store.subscribe('a', () => {})
  const second = await store.subscribe('a', () => {})
  await store.subscribe('b', () => {})
  t.equal(store.stats().channels, 2)
  await first()
  t.equal(store.stats().channels, 2, 'a listener is left on a')
  await second()
  await second()
  t.equal(store.stats().channels, 1)
  t.equal(await store.command('publish', ['a', 'm']), 0)
})

t.test('scripts whose keys span hash slots are refused, as a Cluster would', async t => {
  const store = openStore(t)
  const script = freshScript("return redis.call('mget', KEYS[1], KEYS[2])")
  await t.rejects(store.eval(script, ['order:1', 'order:2'], []), { message: "CROSSSLOT Keys in request don't hash to the same slot" })
  t.same(await store.eval(script, ['{order:1}:a', '{order:1}:b'], []), [null, null])
})

t.test('a runaway script is stopped after the time limit and the store keeps working', async t => {
  const store = openStore(t, { scriptTimeLimitMs: 100 })
  // The message is the proof it was the limit that stopped it; a loop never stopped would never settle (no budget).
  await t.rejects(store.eval(freshScript('while true do end'), [], []), { message: /^ERR Script killed: it ran longer than 100 ms/ })
  t.equal(await store.eval(freshScript("return redis.call('incr', KEYS[1])"), ['n'], []), 1)
})

t.test('the compiled-script cache is bounded: the oldest script is dropped', async t => {
  const store = openStore(t)
  const first = freshScript('return 1')
  await store.eval(first, [], [])
  for (let i = 0; i < 1000; i++) await store.command('script', ['load', `return ${i}`])
  t.same(await store.command('script', ['exists', first.sha]), [0])
  t.equal(await store.eval(first, [], []), 1, 'eval still works: it compiles again')
})
