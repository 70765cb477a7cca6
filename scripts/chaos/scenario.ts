// One chaos scenario: the environment, the traffic, the faults injected while it runs, a settling period in which
// the reconciler, the sweeper and Razorpay's redeliveries catch up, and the invariant check.
import { request } from 'undici'
import { adminToken, ChaosEnvironment } from './environment.js'
import { checkInvariants, type Findings } from './invariants.js'
import { newRecord, random, runTraffic, type TrafficRecord, type Variant } from './traffic.js'

export interface ScenarioOptions {
  name: string
  requests: number
  concurrency: number
  instances: number
  seed: number
  runner: 'dist' | 'tsx'
  faults: { provider: boolean, redisKills: boolean, instanceKills: boolean, gracefulStop: boolean }
  /** Pause between faults of one kind, ms. */
  faultEveryMs: number
  /** The first wait for redeliveries, the reconciler and lock expiry before the check (default 8 s). */
  settleMs?: number
  log: (line: string) => void
}

export interface ScenarioReport {
  name: string
  seed: number
  seconds: number
  requests: number
  duplicates: number
  statuses: Record<string, number>
  faultsInjected: number
  redisKills: number
  sigkills: number
  gracefulStops: number
  gaveUp: number
  orders: number
  paid: number
  refunds: number
  violations: string[]
}

const variants: Array<Variant & { stock: number }> = [
  { id: 'chaos-scarce', price: 1000, stock: 40 },
  { id: 'chaos-plenty', price: 2500, stock: 1_000_000 },
  { id: 'chaos-cheap', price: 100, stock: 5000 }
]

const providerRoutes = ['POST /v1/orders', 'GET /v1/payments/:id', 'POST /v1/payments/:id/capture', 'POST /v1/payments/:id/refund', 'GET /v1/orders/:id/payments']

export async function runScenario (options: ScenarioOptions): Promise<ScenarioReport> {
  const started = Date.now()
  const env = new ChaosEnvironment({ instances: options.instances, runner: options.runner, log: options.log })
  const record: TrafficRecord = newRecord()
  const counts = { faultsInjected: 0, redisKills: 0, sigkills: 0, gracefulStops: 0 }
  const rand = random(options.seed ^ 0x5eed)
  let findings: Findings | undefined
  try {
    await env.start()
    for (const variant of variants) {
      const answer = await request(`${env.liveUrls()[0] as string}/api/admin/variants/${variant.id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ price: variant.price, currency: 'INR', stock: variant.stock })
      })
      if (answer.statusCode !== 200) throw new Error(`seeding ${variant.id}: ${answer.statusCode} ${await answer.body.text()}`)
    }
    let running = true
    const faults = injectFaults(env, options, rand, counts, () => running)
    await runTraffic({ env, variants, requests: options.requests, concurrency: options.concurrency, seed: options.seed, record })
    running = false
    await faults
    findings = await settleAndCheck(env, record, variants, options.settleMs ?? 8000, options.log)
  } finally {
    await env.stop(findings === undefined || findings.violations.length > 0)
  }
  return {
    name: options.name,
    seed: options.seed,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    requests: record.requests,
    duplicates: record.duplicates,
    statuses: Object.fromEntries([...record.statuses].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), n])),
    ...counts,
    gaveUp: record.gaveUp,
    orders: findings.orders,
    paid: findings.paid,
    refunds: findings.refunds,
    violations: findings.violations
  }
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** The fault loops, each of its kind, until the traffic ends; every process is back up when it returns. */
async function injectFaults (env: ChaosEnvironment, options: ScenarioOptions, rand: () => number,
  counts: { faultsInjected: number, redisKills: number, sigkills: number, gracefulStops: number }, running: () => boolean): Promise<void> {
  const every = options.faultEveryMs
  const loops: Array<Promise<void>> = []
  if (options.faults.provider) {
    loops.push((async () => {
      while (running()) {
        const kind = (['latency', 'status', 'status', 'hang', 'reset'] as const)[Math.floor(rand() * 5)]
        const rule = {
          route: providerRoutes[Math.floor(rand() * providerRoutes.length)],
          kind,
          rate: 0.1 + rand() * 0.3,
          count: 5 + Math.floor(rand() * 20),
          ...(kind === 'latency' ? { latencyMs: 2000 } : {}),
          ...(kind === 'status' ? { status: [429, 500, 502, 503][Math.floor(rand() * 4)] } : {})
        }
        const answer = await request(`${env.emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) })
        await answer.body.dump()
        counts.faultsInjected++
        await sleep(every / 4)
      }
      await (await request(`${env.emulator.url}/_emulator/faults`, { method: 'DELETE' })).body.dump()
    })())
  }
  if (options.faults.redisKills) {
    loops.push((async () => {
      await sleep(every / 2)
      while (running()) {
        await env.redis.kill('SIGKILL')
        counts.redisKills++
        await sleep(500 + rand() * 1000)
        await env.redis.start()
        await sleep(every)
      }
    })())
  }
  if (options.faults.instanceKills || options.faults.gracefulStop) {
    loops.push((async () => {
      // A SIGKILL first, then one graceful stop, then SIGKILLs for as long as the traffic runs.
      const plan: NodeJS.Signals[] = [...(options.faults.instanceKills ? ['SIGKILL' as const] : []), ...(options.faults.gracefulStop ? ['SIGTERM' as const] : [])]
      await sleep(every / 3)
      for (let round = 0; running(); round++) {
        const signal = plan[round] ?? (options.faults.instanceKills ? 'SIGKILL' : undefined)
        if (signal === undefined) break
        const index = Math.floor(rand() * env.instances.length)
        if (signal === 'SIGTERM') {
          // SIGTERM under load: the in-flight requests finish, and the process exits cleanly.
          const service = env.instances[index]
          await env.killInstance(index, 'SIGTERM')
          counts.gracefulStops++
          if (service !== undefined && service.exited() !== 'code 0') throw new Error(`${service.name} did not exit cleanly on SIGTERM: ${service.exited() ?? 'still running'}`)
        } else if (env.liveUrls().length > 1) {
          await env.killInstance(index, 'SIGKILL')
          counts.sigkills++
        }
        await sleep(300 + rand() * 700)
        if (env.instances[index] === undefined) await env.restartInstance(index)
        await sleep(every)
      }
    })())
  }
  await Promise.all(loops)
  for (let i = 0; i < env.instances.length; i++) if (env.instances[i] === undefined) await env.restartInstance(i)
}

/** Lets redeliveries, the reconciler and lock expiry catch up, then checks; a violation must survive the wait. */
export async function settleAndCheck (env: ChaosEnvironment, record: TrafficRecord, checked: Array<Variant & { stock: number }>,
  firstWaitMs: number, log: (line: string) => void): Promise<Findings> {
  let findings: Findings | undefined
  for (let round = 0; round < 6; round++) {
    await sleep(round === 0 ? firstWaitMs : 10_000)
    findings = await checkInvariants(env.redis.url, env.emulator, record, checked)
    log(`settle round ${round + 1}: ${findings.violations.length} violations${findings.violations.length > 0 ? `, e.g. ${findings.violations.slice(0, 3).join('; ')}` : ''}`)
    if (findings.violations.length === 0) return findings
  }
  return findings as Findings
}
