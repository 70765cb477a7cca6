// `npm run soak -- --minutes N`: steady mixed traffic against three instances for N minutes, sampling each
// instance's resident memory and event-loop delay and Redis' memory every 30 s, then the invariant check.
// Growth that does not level off is the finding. Options: --minutes N (30), --concurrency N (32), --runner dist|tsx.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { buildService, stopOnSignals } from '../bench/processes.js'
import { adminToken, ChaosEnvironment } from './environment.js'
import { settleAndCheck } from './scenario.js'
import { newRecord, runTraffic, type Variant } from './traffic.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '32' },
    runner: { type: 'string', default: 'dist' },
    'sample-seconds': { type: 'string', default: '30' }
  }
})
const runner = values.runner === 'tsx' ? 'tsx' : 'dist'
if (runner === 'dist') buildService()
const minutes = Number(values.minutes)
const variants: Array<Variant & { stock: number }> = [{ id: 'soak-item', price: 1000, stock: 100_000_000 }]

function rssMb (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
}

async function eventLoopP99Ms (url: string): Promise<number> {
  const text = await (await request(`${url}/metrics`)).body.text()
  return Math.round(Number(/^nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1] ?? NaN) * 10000) / 10
}

const env = new ChaosEnvironment({ instances: 3, runner, log: line => console.error(`[soak] ${line}`) })
const record = newRecord()
const samples: Array<Record<string, number | string>> = []
stopOnSignals(env.group, false)
await env.start()
try {
  for (const variant of variants) {
    await (await request(`${env.liveUrls()[0] as string}/api/admin/variants/${variant.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ price: variant.price, currency: 'INR', stock: variant.stock })
    })).body.dump()
  }
  const redis = new Redis(env.redis.url)
  const deadline = Date.now() + minutes * 60_000
  const traffic = runTraffic({ env, variants, requests: Number.MAX_SAFE_INTEGER, concurrency: Number(values.concurrency), seed: 7, record, stopped: () => Date.now() > deadline })
  const started = Date.now()
  let lastRequests = 0
  while (Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, Math.min(Number(values['sample-seconds']) * 1000, Math.max(0, deadline - Date.now()))))
    const sample: Record<string, number | string> = { minute: Math.round((Date.now() - started) / 6000) / 10 }
    for (const service of env.instances) {
      if (service === undefined) continue
      sample[`${service.name} rss MB`] = rssMb(service.pid)
      sample[`${service.name} loop p99 ms`] = await eventLoopP99Ms(service.metricsUrl ?? service.url)
    }
    sample['redis used MB'] = Math.round(Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) / 1048576 * 10) / 10
    sample['req/s'] = Math.round((record.requests - lastRequests) / Number(values['sample-seconds']))
    lastRequests = record.requests
    samples.push(sample)
    console.log(JSON.stringify(sample))
  }
  await traffic
  redis.disconnect()
  const findings = await settleAndCheck(env, record, variants, 8000, line => console.error(`[soak] ${line}`))
  console.log(JSON.stringify({ minutes, requests: record.requests, duplicates: record.duplicates, orders: findings.orders, violations: findings.violations, first: samples[0], last: samples[samples.length - 1] }, null, 2))
  process.exitCode = findings.violations.length > 0 ? 1 : 0
} finally {
  await env.stop()
}
