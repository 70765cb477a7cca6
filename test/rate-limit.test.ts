// Per-client rate limiting: 429 RATE_LIMITED with Retry-After; the rejected request stores nothing.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, redisServer } from './helper.js'
import { emulator, emulatorEnv, emulatorStats } from './support/service.js'

const path = '/api/checkout/create-order'
const body = { variantId: 'test', quantity: 1, amount: 1499 }

/** Calls per command Redis has executed since it started (INFO commandstats), without INFO itself. */
async function commandCalls (app: FastifyInstance): Promise<Map<string, number>> {
  const info = await app.store.command('info', ['commandstats']) as string
  const calls = new Map<string, number>()
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') calls.set(match[1], Number(match[2]))
  }
  return calls
}

/** What Redis executed between two snapshots, as 'command: calls'. */
function executedBetween (before: Map<string, number>, after: Map<string, number>): string[] {
  const executed: string[] = []
  for (const [command, calls] of after) {
    const more = calls - (before.get(command) ?? 0)
    if (more > 0) executed.push(`${command}: ${more}`)
  }
  return executed
}

function total (executed: string[]): number {
  return executed.reduce((sum, entry) => sum + Number(entry.split(': ')[1]), 0)
}

t.test('limits each client on its own per instance, and health stays unlimited', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const env = { ...emulatorEnv(rzp), REDIS_URL: redis.url, API_KEYS: 'shop:shop-token,other:other-token', RATE_LIMIT_MAX: '3' }
  const one = await build(t, env)
  const shop = (key: string) => ({ authorization: 'Bearer shop-token', 'idempotency-key': key })
  t.equal((await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-1') })).statusCode, 201)
  t.equal((await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-2') })).statusCode, 201)
  const beforeAllowed = await commandCalls(one)
  t.equal((await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-3') })).statusCode, 201)
  const allowed = executedBetween(beforeAllowed, await commandCalls(one))
  t.ok(total(allowed) > 0, `an allowed request is seen in Redis' counts (${allowed.join(', ')}): the counting works`)

  const limited = await one.inject({ method: 'POST', url: path, payload: body, headers: shop('rl-4') })
  t.equal(limited.statusCode, 429)
  t.equal(limited.json().code, 'RATE_LIMITED')
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.same(Object.keys(limited.json()).sort(), ['code', 'error', 'message', 'statusCode'])

  // Many limited requests: a limiter (or anything else on the rejected path) that asked Redis once per request would
  // show at least that many commands. The background jobs (sweeper every 5 s, reconciler every 30 s with these
  // settings) cost under ten commands a tick, so a few ticks landing in the window stay far below the bound.
  const rejected = 200
  const beforeLimited = await commandCalls(one)
  for (let i = 0; i < rejected; i++) {
    const answer = await one.inject({ method: 'POST', url: path, payload: body, headers: shop(`rl-limited-${i}`) })
    if (answer.statusCode !== 429) t.fail(`request ${i} was not limited: ${answer.statusCode}`)
  }
  const duringLimited = executedBetween(beforeLimited, await commandCalls(one))
  t.ok(total(duringLimited) < rejected / 4,
    `${rejected} limited requests cost Redis ${total(duringLimited)} commands (${duringLimited.join(', ') || 'none'})`)

  const other = await one.inject({ method: 'POST', url: path, payload: body, headers: { authorization: 'Bearer other-token', 'idempotency-key': 'rl-1' } })
  t.equal(other.statusCode, 201, 'another client has its own budget')
  for (let i = 0; i < 5; i++) t.equal((await one.inject({ method: 'GET', url: '/health/live' })).statusCode, 200)
  t.equal((await emulatorStats(rzp)).ordersCreated, 4, 'the limited requests created nothing')
})
