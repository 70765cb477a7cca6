// How many Redis round trips a create-order request waits for one after the other, measured on the real store: a
// call's depth is one more than the deepest call that had answered before it was sent. The design allows four for a
// first request (acquire with the risk admission; reserve; checkpoint, order, attach, index and audit; complete),
// and a replay on an instance that saw its key sends nothing but acquire.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build } from '../helper.js'
import { createOrderRequest, moneySetup } from '../support/money.js'
import { emulatorEnv } from '../support/service.js'

interface StoreCall { name: string, depth: number }

/** Records every store call from now on, with its depth; the store itself is the real one, only watched. */
function watchStore (app: FastifyInstance): StoreCall[] {
  const calls: StoreCall[] = []
  const answered: number[] = []
  const store = app.store
  const watch = async <T>(name: string, send: () => Promise<T>): Promise<T> => {
    const call = { name, depth: 1 + Math.max(0, ...answered) }
    calls.push(call)
    try {
      return await send()
    } finally {
      answered.push(call.depth)
    }
  }
  const evalScript = store.eval.bind(store)
  const command = store.command.bind(store)
  store.eval = async (script, keys, args) => await watch(script.name, async () => await evalScript(script, keys, args))
  store.command = async (name, args) => await watch(name, async () => await command(name, args))
  return calls
}

t.test('a first request waits for four round trips, the risk admission riding with the lock', async t => {
  const setup = await moneySetup(t, {}, 10)
  const calls = watchStore(setup.app)
  const answer = await setup.app.inject(createOrderRequest('trips-1'))
  t.equal(answer.statusCode, 201)
  const depthOf = (name: string): number | undefined => calls.find(call => call.name === name)?.depth
  t.equal(depthOf('idempotency-acquire'), 1)
  t.equal(depthOf('risk-admit-order'), 1, 'the admission is sent with the lock, not after it')
  t.equal(depthOf('catalog-reserve'), 2)
  t.equal(depthOf('idempotency-complete'), 4)
  t.equal(Math.max(...calls.map(call => call.depth)), 4, `no call deeper: ${calls.map(call => `${call.name}@${call.depth}`).join(', ')}`)
  t.notOk(calls.some(call => call.name === 'risk-withdraw-order'), 'nothing to take back for a first request')

  calls.length = 0
  const replay = await setup.app.inject(createOrderRequest('trips-1'))
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(calls.map(call => call.name), [], 'a replay from the local cache asks the store nothing')
})

t.test('a repeat on an instance that saw its key sends no admission; one that did not takes it back', async t => {
  const setup = await moneySetup(t, { IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' }, 10)
  const second = await build(t, {
    ...emulatorEnv(setup.rzp), REDIS_URL: setup.redis.url, API_KEYS: 'shop:shop-token', ADMIN_TOKEN: 'admin-token-for-tests', IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0'
  })
  t.equal((await setup.app.inject(createOrderRequest('trips-2'))).statusCode, 201)

  const here = watchStore(setup.app)
  t.equal((await setup.app.inject(createOrderRequest('trips-2'))).headers['idempotent-replayed'], 'true')
  t.same(here.map(call => call.name), ['idempotency-acquire'], 'one round trip, no admission')

  const there = watchStore(second)
  t.equal((await second.inject(createOrderRequest('trips-2'))).headers['idempotent-replayed'], 'true')
  t.same(there.map(call => call.name).sort(), ['idempotency-acquire', 'risk-admit-order', 'risk-withdraw-order'],
    'a key new to the instance: the admission went with the lock and is taken back')
  t.same(there.find(call => call.name === 'risk-withdraw-order')?.depth, 2, 'taken back once the lock answered')
})
