// The throughput scenarios: replay (same key and body) and first request (a fresh key each time), each against its
// baseline, its peer (@node-idempotency/core) and the service with one optional feature switched (no local cache, rate
// limits in Redis, risk rules off) in the same rounds, at each connection count; and bursts of identical concurrent
// requests that must create one order each.
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import {
  expectReplayOf, orderBody, ordersCreated, requestHeaders, resetStore, seedPeer, seedReplay
} from './fixture.js'
import { createOrderPath, type Target } from './load.js'
import { alternate, ratio, summarize, type ScenarioContext, type TargetSummary } from './rounds.js'
import { LatencyHistogram, figure, roundFigure, type Figure } from './stats.js'

export interface ReplayBlock {
  connections: number
  targets: { service: TargetSummary, serviceNoCache: TargetSummary, serviceSharedLimit: TargetSummary, baseline: TargetSummary, peer: TargetSummary }
  /** service req/s ÷ baseline req/s, per round. */
  ratio: Figure
  ratioNoCache: Figure
  /** service ÷ peer (@node-idempotency/core), with and without the local cache. */
  ratioToPeer: Figure
  ratioNoCacheToPeer: Figure
  /** Rate limits counted in Redis ÷ in memory (RATE_LIMIT_SHARED=true against the default), per round. */
  ratioSharedLimit: Figure
}

export interface ReplayResult {
  description: string
  bodyBytes: number
  connections: number[]
  /** One block per connection count, in the order of --connections. */
  byConnections: ReplayBlock[]
  /** Must be 0: a replay never reaches Razorpay. */
  ordersCreatedDuringRuns: number
}

export async function replayScenario (ctx: ScenarioContext): Promise<ReplayResult> {
  const { fixture, options } = ctx
  await resetStore(fixture)
  const seed = await seedReplay(fixture, 'replay-seed')
  await expectReplayOf(seed, fixture.serviceNoCache)
  await expectReplayOf(seed, fixture.serviceSharedLimit)
  await seedPeer(seed, fixture.replayPeer)
  const headers = { ...requestHeaders, 'idempotency-key': seed.key }
  const targets: Target[] = [
    { name: 'service', process: fixture.service, headers, body: orderBody },
    { name: 'serviceNoCache', process: fixture.serviceNoCache, headers, body: orderBody },
    { name: 'serviceSharedLimit', process: fixture.serviceSharedLimit, headers, body: orderBody },
    { name: 'baseline', process: fixture.replayBaseline, headers, body: orderBody },
    { name: 'peer', process: fixture.replayPeer, headers, body: orderBody }
  ]
  const before = await ordersCreated(fixture)
  const byConnections: ReplayBlock[] = []
  for (const [i, connections] of options.connections.entries()) {
    const runs = await alternate(ctx, 'replay', targets, { connections, warmup: i === 0 })
    const of = (name: string): TargetSummary => summarize(runs.get(name) ?? [])
    byConnections.push({
      connections,
      targets: { service: of('service'), serviceNoCache: of('serviceNoCache'), serviceSharedLimit: of('serviceSharedLimit'), baseline: of('baseline'), peer: of('peer') },
      ratio: ratio(runs, 'service', 'baseline'),
      ratioNoCache: ratio(runs, 'serviceNoCache', 'baseline'),
      ratioToPeer: ratio(runs, 'service', 'peer'),
      ratioNoCacheToPeer: ratio(runs, 'serviceNoCache', 'peer'),
      ratioSharedLimit: ratio(runs, 'serviceSharedLimit', 'service')
    })
  }
  const created = await ordersCreated(fixture) - before
  return {
    description: 'the same Idempotency-Key and body again and again; baseline: a bare Fastify route doing one Redis GET of a body of the same size; ' +
      'peer: the same route with @node-idempotency/core and its Redis adapter, the key completed beforehand (SET NX, then GET, per replay)',
    bodyBytes: Buffer.byteLength(seed.body),
    connections: options.connections,
    byConnections,
    ordersCreatedDuringRuns: created
  }
}

export interface FirstRequestBlock {
  connections: number
  targets: { service: TargetSummary, serviceNoRisk: TargetSummary, serviceSharedLimit: TargetSummary, baseline: TargetSummary, peer: TargetSummary }
  /** service ÷ baseline, per round. */
  ratio: Figure
  /** service ÷ peer (@node-idempotency/core around the baseline's create-order). */
  ratioToPeer: Figure
  /** Risk rules on ÷ off (the default against every RISK_* threshold 0). */
  ratioRisk: Figure
  /** Rate limits counted in Redis ÷ in memory. */
  ratioSharedLimit: Figure
}

export interface FirstRequestResult {
  description: string
  connections: number[]
  byConnections: FirstRequestBlock[]
  /** Razorpay orders the emulator created during the scenario (warm-up included). */
  ordersCreated: number
}

export async function firstRequestScenario (ctx: ScenarioContext): Promise<FirstRequestResult> {
  const { fixture, options } = ctx
  await resetStore(fixture)
  const targets: Target[] = [
    { name: 'service', process: fixture.service, headers: requestHeaders, body: orderBody, freshKeys: 's' },
    { name: 'serviceNoRisk', process: fixture.serviceNoRisk, headers: requestHeaders, body: orderBody, freshKeys: 'r' },
    { name: 'serviceSharedLimit', process: fixture.serviceSharedLimit, headers: requestHeaders, body: orderBody, freshKeys: 'l' },
    { name: 'baseline', process: fixture.firstRequestBaseline, headers: requestHeaders, body: orderBody, freshKeys: 'b' },
    { name: 'peer', process: fixture.firstRequestPeer, headers: requestHeaders, body: orderBody, freshKeys: 'p' }
  ]
  const before = await ordersCreated(fixture)
  const byConnections: FirstRequestBlock[] = []
  for (const [i, connections] of options.connections.entries()) {
    const runs = await alternate(ctx, 'first request', targets, { connections, warmup: i === 0 })
    const of = (name: string): TargetSummary => summarize(runs.get(name) ?? [])
    byConnections.push({
      connections,
      targets: { service: of('service'), serviceNoRisk: of('serviceNoRisk'), serviceSharedLimit: of('serviceSharedLimit'), baseline: of('baseline'), peer: of('peer') },
      ratio: ratio(runs, 'service', 'baseline'),
      ratioToPeer: ratio(runs, 'service', 'peer'),
      ratioRisk: ratio(runs, 'service', 'serviceNoRisk'),
      ratioSharedLimit: ratio(runs, 'serviceSharedLimit', 'service')
    })
  }
  return {
    description: 'a fresh Idempotency-Key per request through the whole create-order flow; baseline: a bare Fastify route calling the emulator\'s create-order through the same SDK; ' +
      'peer: the same route with @node-idempotency/core and its Redis adapter around it (SET NX before, SET after)',
    connections: options.connections,
    byConnections,
    ordersCreated: await ordersCreated(fixture) - before
  }
}

interface BurstOutcome { ms: number, statuses: number[], orderIds: Set<string>, executed: number }

async function burst (pool: Pool, key: string, size: number): Promise<BurstOutcome> {
  const started = performance.now()
  const answers = await Promise.all(Array.from({ length: size }, async () => {
    const response = await pool.request({
      path: createOrderPath,
      method: 'POST',
      headers: { ...requestHeaders, 'idempotency-key': key, prefer: 'wait=5' },
      body: orderBody
    })
    const text = await response.body.text()
    return { status: response.statusCode, replayed: response.headers['idempotent-replayed'] === 'true', text }
  }))
  const orderIds = new Set<string>()
  for (const answer of answers) {
    if (answer.status === 201) orderIds.add((JSON.parse(answer.text) as { orderId: string }).orderId)
  }
  return {
    ms: performance.now() - started,
    statuses: answers.map(a => a.status),
    orderIds,
    executed: answers.filter(a => a.status === 201 && !a.replayed).length
  }
}

export interface DuplicatesResult {
  description: string
  burstSize: number
  burstConcurrency: number
  requestsPerSecond: Figure
  burstsPerSecond: Figure
  burstP50Ms: Figure
  burstP99Ms: Figure
  bursts: number
  statusCodes: Record<string, number>
  /** Bursts whose answers were not all 201 with one order id and exactly one executed (not replayed). */
  burstsViolating: number
  /** Orders the emulator created ÷ bursts: exactly 1 when every burst created exactly one order. */
  ordersPerBurst: number
  exactlyOneOrderPerBurst: boolean
}

export async function duplicatesScenario (ctx: ScenarioContext): Promise<DuplicatesResult> {
  const { fixture, options, log } = ctx
  await resetStore(fixture)
  const pool = new Pool(fixture.service.url, { connections: options.burstSize * options.burstConcurrency })
  const statusCodes: Record<string, number> = {}
  const perRound: Array<{ rps: number, bps: number, p50: number, p99: number }> = []
  let violating = 0
  let keys = 0
  const runFor = async (seconds: number, record: boolean): Promise<void> => {
    const histogram = new LatencyHistogram()
    let requests = 0
    let done = 0
    const started = performance.now()
    const deadline = started + seconds * 1000
    await Promise.all(Array.from({ length: options.burstConcurrency }, async () => {
      while (performance.now() < deadline) {
        const outcome = await burst(pool, `dup-${(keys++).toString(36)}`, options.burstSize)
        if (!record) continue
        histogram.record(outcome.ms)
        requests += outcome.statuses.length
        done++
        for (const status of outcome.statuses) statusCodes[status] = (statusCodes[status] ?? 0) + 1
        if (outcome.executed !== 1 || outcome.orderIds.size !== 1 || outcome.statuses.some(s => s !== 201)) violating++
      }
    }))
    if (!record) return
    const elapsed = (performance.now() - started) / 1000
    perRound.push({ rps: requests / elapsed, bps: done / elapsed, p50: histogram.percentile(50), p99: histogram.percentile(99) })
  }
  try {
    if (options.warmup > 0) await runFor(options.warmup, false)
    const before = await ordersCreated(fixture)
    const burstsBefore = keys
    for (let round = 0; round < options.rounds; round++) {
      await runFor(options.duration, true)
      const last = perRound[perRound.length - 1]
      log(`duplicates round ${round + 1}/${options.rounds}: ${Math.round(last.rps)} req/s, ${Math.round(last.bps)} bursts/s, burst p50 ${last.p50.toFixed(2)} ms`)
    }
    const created = await ordersCreated(fixture) - before
    const started = keys - burstsBefore
    return {
      description: `bursts of ${options.burstSize} identical concurrent requests (one fresh key per burst, Prefer: wait=5), ${options.burstConcurrency} burst(s) in flight`,
      burstSize: options.burstSize,
      burstConcurrency: options.burstConcurrency,
      requestsPerSecond: roundFigure(figure(perRound.map(r => r.rps))),
      burstsPerSecond: roundFigure(figure(perRound.map(r => r.bps))),
      burstP50Ms: roundFigure(figure(perRound.map(r => r.p50))),
      burstP99Ms: roundFigure(figure(perRound.map(r => r.p99))),
      bursts: started,
      statusCodes,
      burstsViolating: violating,
      ordersPerBurst: started > 0 ? created / started : Number.NaN,
      exactlyOneOrderPerBurst: created === started && violating === 0
    }
  } finally {
    await pool.close()
  }
}
