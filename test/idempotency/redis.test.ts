// The idempotency suite on a real Redis, and what only a store outside the process allows: a process killed in the
// middle of a request, and another instance finishing that request.
import t from 'tap'
import { build, redisServer } from '../helper.js'
import { idempotencyKeys, scopeHash } from '../../src/idempotency/keys.js'
import { answerGate } from '../support/answer-gate.js'
import { emulator, emulatorEnv, emulatorOrders, emulatorStats, eventually, post } from '../support/service.js'
import { startServiceProcess } from '../support/service-process.js'
import { headers, idempotencySuite, path, seedBody } from './suite.js'

idempotencySuite(t, 'redis')

t.test('a process killed after Razorpay created its order, before it stored anything: another instance returns that order', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const env = {
    ...emulatorEnv(rzp),
    REDIS_URL: redis.url,
    API_KEYS: 'shop:shop-token',
    // Short enough for the wait after the kill; the live process renews it every third of that.
    IDEMPOTENCY_LOCK_TTL_SECONDS: '2',
    // The survivor must not answer from a memory of its own: there is none, but the record must not exist either.
    IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0'
  }
  // The process talks to Razorpay through a gate that holds the create-order answer: the order exists at Razorpay,
  // the process is waiting for the answer, and nothing of the order is in Redis yet.
  const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
  const doomed = await startServiceProcess({ ...env, RAZORPAY_API_URL: gate.url })
  t.teardown(async () => await doomed.kill('SIGKILL'))
  const keys = idempotencyKeys(scopeHash('shop', 'POST', path, 'killed-1'))

  // Settled into a value at once: it fails when the process dies, before the test looks at it.
  const unanswered = post(doomed.url, path, seedBody, headers('killed-1')).then(answer => answer, (err: Error) => err)
  await gate.whenHeld(1)
  const [created] = await emulatorOrders(rzp)
  t.equal((await emulatorStats(rzp)).ordersCreated, 1, 'Razorpay created the order')
  t.equal(await doomed.kill('SIGKILL'), null, 'the process died of SIGKILL')
  t.type(await unanswered, Error, 'the caller never got an answer')

  const survivor = await build(t, env)
  t.equal(await survivor.store.command('exists', [keys.record]), 0, 'the crash left no record')
  t.equal(await survivor.store.command('hget', [keys.checkpoints, 'razorpay_order_id']), null, 'nor a checkpoint of the order')
  // Until the dead owner's lock expires the key is its; the retry comes after (how long that takes is Redis' TTL).
  await eventually(async () => await survivor.store.command('exists', [keys.lock]) === 0, 30_000, 50)

  const retried = await survivor.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('killed-1') })
  t.equal(retried.statusCode, 201, doomed.output())
  t.notOk(retried.headers['idempotent-replayed'], 'the handler ran again')
  t.equal(retried.json().orderId, created?.id, "the retry returns the killed process' order")
  t.equal(retried.json().receipt, created?.receipt)
  t.equal((await emulatorOrders(rzp)).length, 1, 'exactly one order at Razorpay')
  t.equal((await emulatorStats(rzp)).ordersCreated, 1)
  t.equal((await survivor.catalog.getVariant('test'))?.reserved, 1, 'one reservation: the retry reused the first one')
  const replay = await survivor.inject({ method: 'POST', url: path, payload: seedBody, headers: headers('killed-1') })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.json().orderId, created?.id)
})
