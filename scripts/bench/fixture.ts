// Everything a bench run talks to: its own Redis, the emulator, the service four times in production mode (default
// settings; local cache of completed records off; risk rules off; rate limits counted in Redis), the two baselines and
// the two peers (the same routes on @node-idempotency/core); plus the store resets between scenarios.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { request } from 'undici'
import { RiskConfigProperties } from '../../schemas/risk-config.js'
import { Catalog } from '../../src/catalog/catalog.js'
import { idempotencyKeys, scopeHash } from '../../src/idempotency/keys.js'
import { RedisStore } from '../../src/store/redis-store.js'
import { createOrderPath } from './load.js'
import type { BenchOptions } from './options.js'
import type { ChildService, ProcessGroup } from './processes.js'
import { connect } from './redis-stats.js'

// Production refuses tokens shorter than 32 characters.
export const benchClient = { id: 'bench', token: 'bench-token-00000000000000000000000000' }
export const benchVariant = { id: 'bench', price: 1499, currency: 'INR', stock: 100_000_000 }
export const orderBody = JSON.stringify({ variantId: benchVariant.id, quantity: 1, amount: benchVariant.price })
export const baselineBodyKey = 'bench:baseline:replay-body'
export const benchRazorpay = { keyId: 'rzp_test_bench', keySecret: 'bench_key_secret', webhookSecret: 'bench_webhook_secret' }
const razorpay = benchRazorpay

export const requestHeaders = {
  authorization: `Bearer ${benchClient.token}`,
  'content-type': 'application/json'
}

export interface Fixture {
  redisUrl: string
  /** The bench's own connection, for stats, fills and resets. */
  redis: Redis
  emulator: ChildService
  /** Default settings: the local cache of completed records holds 10000 entries. */
  service: ChildService
  /** IDEMPOTENCY_LOCAL_CACHE_ENTRIES=0: every replay asks Redis. */
  serviceNoCache: ChildService
  /** RATE_LIMIT_SHARED=true: the rate limits are counted in Redis. */
  serviceSharedLimit: ChildService
  /** Every RISK_* threshold 0: the risk rules off (the cost of the risk rules is service − this). */
  serviceNoRisk: ChildService
  replayBaseline: ChildService
  firstRequestBaseline: ChildService
  /** The same bare route with @node-idempotency/core and its Redis adapter (peer.ts): a completed key, replayed. */
  replayPeer: ChildService
  /** The same around the SDK create-order of firstRequestBaseline. */
  firstRequestPeer: ChildService
  /** The service's environment, secrets masked, for the results. */
  serviceEnv: Record<string, string>
  close: () => Promise<void>
}

export async function startFixture (group: ProcessGroup, options: BenchOptions): Promise<Fixture> {
  const redisServer = await group.redis()
  const redisUrl = redisServer.url
  const redis = connect(redisUrl)
  const catalogFile = join(group.dir, 'catalog.json')
  writeFileSync(catalogFile, JSON.stringify({
    [benchVariant.id]: { price: benchVariant.price, currency: benchVariant.currency, stock: benchVariant.stock }
  }))

  // Its own process: the load generator saturates this one's event loop, and both first-request targets share it.
  // It only stands in for Razorpay, so its request logs (not the service's cost) are off.
  const emulator = await group.node({
    name: 'emulator',
    entry: { service: 'src/emulator/cli' },
    env: { RAZORPAY_KEY_ID: razorpay.keyId, RAZORPAY_KEY_SECRET: razorpay.keySecret, RAZORPAY_WEBHOOK_SECRET: razorpay.webhookSecret, LOG_LEVEL: 'warn' },
    readyPath: '/_emulator/stats',
    portVariable: 'RAZORPAY_EMULATOR_PORT'
  })

  const serviceEnv: Record<string, string> = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: options.logLevel,
    REDIS_URL: redisUrl,
    RAZORPAY_KEY_ID: razorpay.keyId,
    RAZORPAY_KEY_SECRET: razorpay.keySecret,
    RAZORPAY_WEBHOOK_SECRET: razorpay.webhookSecret,
    RAZORPAY_API_URL: emulator.url,
    API_KEYS: `${benchClient.id}:${benchClient.token}`,
    CATALOG_FILE: catalogFile,
    // The load generator is one client: the limiter runs (in memory) but must never answer 429.
    RATE_LIMIT_MAX: '1000000',
    RATE_LIMIT_WINDOW_SECONDS: '1',
    // Likewise the risk rules run on every first request, with the client limits raised as for such a client.
    RISK_CLIENT_ORDERS_PER_MINUTE: '1000000000',
    RISK_CLIENT_OPEN_RESERVATIONS: '1000000000'
  }
  // 0 turns a rule off (schemas/risk-config.ts); every threshold there, so a rule added later is off here too.
  const riskOff = Object.fromEntries(Object.keys(RiskConfigProperties)
    .filter(name => name !== 'RISK_HASH_SECRET').map(name => [name, '0']))
  const razorpayEnv = {
    RAZORPAY_KEY_ID: razorpay.keyId,
    RAZORPAY_KEY_SECRET: razorpay.keySecret,
    RAZORPAY_WEBHOOK_SECRET: razorpay.webhookSecret,
    RAZORPAY_API_URL: emulator.url
  }
  const [service, serviceNoCache, serviceSharedLimit, serviceNoRisk, replayBaseline, firstRequestBaseline, replayPeer, firstRequestPeer] = await Promise.all([
    group.node({ name: 'service', entry: { service: 'src/server' }, env: serviceEnv, readyPath: '/health/ready', profile: true }),
    group.node({
      name: 'service-no-cache',
      entry: { service: 'src/server' },
      env: { ...serviceEnv, IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0' },
      readyPath: '/health/ready',
      profile: true
    }),
    group.node({
      name: 'service-shared-limit',
      entry: { service: 'src/server' },
      env: { ...serviceEnv, RATE_LIMIT_SHARED: 'true' },
      readyPath: '/health/ready',
      profile: true
    }),
    group.node({
      name: 'service-no-risk',
      entry: { service: 'src/server' },
      env: { ...serviceEnv, ...riskOff },
      readyPath: '/health/ready',
      profile: true
    }),
    group.node({
      name: 'baseline-replay',
      entry: { script: 'scripts/bench/baselines.ts' },
      env: { BASELINE: 'replay', REDIS_URL: redisUrl, BASELINE_BODY_KEY: baselineBodyKey, LOG_LEVEL: options.logLevel },
      readyPath: '/health',
      profile: true
    }),
    group.node({
      name: 'baseline-first-request',
      entry: { script: 'scripts/bench/baselines.ts' },
      env: { BASELINE: 'first-request', ...razorpayEnv, LOG_LEVEL: options.logLevel },
      readyPath: '/health',
      profile: true
    }),
    group.node({
      name: 'peer-replay',
      entry: { script: 'scripts/bench/peer.ts' },
      env: { PEER: 'replay', REDIS_URL: redisUrl, BASELINE_BODY_KEY: baselineBodyKey, LOG_LEVEL: options.logLevel },
      readyPath: '/health',
      profile: true
    }),
    group.node({
      name: 'peer-first-request',
      entry: { script: 'scripts/bench/peer.ts' },
      env: { PEER: 'first-request', REDIS_URL: redisUrl, ...razorpayEnv, LOG_LEVEL: options.logLevel },
      readyPath: '/health',
      profile: true
    })
  ])
  const masked = Object.fromEntries(Object.entries(serviceEnv).map(([name, value]) =>
    [name, /SECRET|API_KEYS/.test(name) ? '(set)' : name === 'CATALOG_FILE' ? 'catalog.json (bench variant)' : value]))
  masked.REDIS_URL = 'redis://127.0.0.1:<free port> (the bench\'s own redis-server)'
  masked.RAZORPAY_API_URL = 'http://127.0.0.1:<free port> (the emulator, in its own process)'
  return {
    redisUrl,
    redis,
    emulator,
    service,
    serviceNoCache,
    serviceSharedLimit,
    serviceNoRisk,
    replayBaseline,
    firstRequestBaseline,
    replayPeer,
    firstRequestPeer,
    serviceEnv: masked,
    close: async () => { await redis.quit().catch(() => redis.disconnect()) }
  }
}

/** Empties Redis and the emulator, then seeds the variant as the service does at start (live stock is in Redis). */
export async function resetStore (fixture: Fixture): Promise<void> {
  await fixture.redis.flushall()
  await new Catalog(new RedisStore(fixture.redis)).seedVariant(benchVariant.id, benchVariant)
  await emulatorControl(fixture, 'POST', '/_emulator/reset')
}

export async function emulatorControl (fixture: Fixture, method: 'GET' | 'POST', path: string): Promise<any> {
  const response = await request(`${fixture.emulator.url}${path}`, { method })
  const text = await response.body.text()
  if (response.statusCode >= 400) throw new Error(`emulator ${method} ${path}: ${response.statusCode} ${text}`)
  return text === '' ? undefined : JSON.parse(text)
}

export async function ordersCreated (fixture: Fixture): Promise<number> {
  return (await emulatorControl(fixture, 'GET', '/_emulator/stats')).ordersCreated
}

export interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

export async function createOrder (service: ChildService, key: string, extra: Record<string, string> = {}): Promise<Answer> {
  const response = await request(`${service.url}${createOrderPath}`, {
    method: 'POST',
    headers: { ...requestHeaders, 'idempotency-key': key, ...extra },
    body: orderBody
  })
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() }
}

/** The Redis key of the stored record of the bench client's create-order with this Idempotency-Key. */
export function recordKey (key: string): string {
  return idempotencyKeys(scopeHash(benchClient.id, 'POST', createOrderPath, key)).record
}

export interface Seed { key: string, body: string, record: string }

/** Fails the run unless `service` (another instance than the one that made the seed) replays it byte for byte. */
export async function expectReplayOf (seed: Seed, service: ChildService): Promise<void> {
  const check = await createOrder(service, seed.key)
  if (check.headers['idempotent-replayed'] !== 'true' || check.body !== seed.body) {
    throw new Error(`${service.name} did not replay the seed: ${check.status} ${check.body}`)
  }
}

/** One real first request whose answer the replay runs repeat; the replay baseline and peer get a body of its size. */
export async function seedReplay (fixture: Fixture, key: string): Promise<Seed> {
  const answer = await createOrder(fixture.service, key)
  if (answer.status !== 201) throw new Error(`seed create-order answered ${answer.status}: ${answer.body}`)
  const record = await fixture.redis.get(recordKey(key))
  if (record === null) throw new Error(`no record stored under ${recordKey(key)}`)
  await fixture.redis.set(baselineBodyKey, answer.body)
  return { key, body: answer.body, record }
}

/**
 * Completes the seed's key at the replay peer (its handler answers the body the baseline reads, the service's answer
 * byte for byte), then checks that the peer replays it: every request of a replay run is then a replay there too.
 */
export async function seedPeer (seed: Seed, peer: ChildService): Promise<void> {
  const first = await createOrder(peer, seed.key)
  if (first.status !== 201 || first.body !== seed.body) throw new Error(`${peer.name} did not complete the seed: ${first.status} ${first.body}`)
  const again = await createOrder(peer, seed.key)
  if (again.status !== 201 || again.headers['idempotent-replayed'] !== 'true' || again.body !== seed.body) {
    throw new Error(`${peer.name} did not replay the seed: ${again.status} ${again.body}`)
  }
}
