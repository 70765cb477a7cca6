// The bench's output: the goals checked against the figures, a plain-text table for stdout, bench/results.json,
// and the results block of docs/PERFORMANCE.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, release, platform, arch } from 'node:os'
import { dirname } from 'node:path'
import type { BenchOptions } from './options.js'
import { renderConcernSplits, type ConcernSplit } from './profile.js'
import type { TargetSummary } from './rounds.js'
import { round, type Figure } from './stats.js'

export interface Goal { goal: string, value: number | string | boolean | null, met: boolean | null }

export interface Results {
  benchmark: string
  date: string
  durationSeconds: number
  machine: { cpus: number, cpuModel: string, memoryGiB: number, os: string }
  node: string
  redis: string
  settings: Record<string, unknown>
  scenarios: Record<string, any>
  goals: Goal[]
  /** With --profile: self time by concern per request of each target's measured runs (profile.ts). */
  profile?: { directory: string, concerns: ConcernSplit[] }
}

export function machine (): Results['machine'] {
  const list = cpus()
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`
  }
}

/** Records of 10k and 1M keys are noisy runs minutes apart: up to +15% on the p50 counts as flat. */
const flatTolerance = 1.15

export function checkGoals (scenarios: Results['scenarios']): Goal[] {
  const goals: Goal[] = []
  const add = (goal: string, value: number | string | boolean | undefined, met: boolean | undefined): void => {
    goals.push({ goal, value: value ?? null, met: value === undefined ? null : met ?? null })
  }
  const { replay, duplicates, memory, scale } = scenarios
  const first = scenarios['first-request']
  const cost = scenarios['redis-cost']
  // One goal per connection count: the design must hold under more concurrency too.
  for (const block of replay?.byConnections ?? []) {
    add(`cached replay throughput >= 1.0 x the one-GET baseline, ${block.connections} connections`, block.ratio.median, block.ratio.median >= 1)
    add(`uncached replay throughput >= 0.85 x the one-GET baseline, ${block.connections} connections`,
      block.ratioNoCache.median, block.ratioNoCache.median >= 0.85)
    const p99 = block.targets.service.p99Ms.median / block.targets.baseline.p99Ms.median
    add(`cached replay p99 <= 1.2 x the baseline's, ${block.connections} connections`, Math.round(p99 * 1000) / 1000, p99 <= 1.2)
  }
  for (const block of first?.byConnections ?? []) {
    add(`first-request throughput >= 0.8 x baseline, ${block.connections} connections`, block.ratio.median, block.ratio.median >= 0.8)
  }
  if (cost !== undefined) {
    add('replay from the local cache: 0 Redis round trips (every layer)', cost.replay.roundTripsPerRequest, cost.replay.roundTripsPerRequest === 0)
    add('replay from the local cache: 0 Redis round trips (idempotency layer)', cost.replay.idempotencyRoundTripsPerRequest,
      cost.replay.idempotencyRoundTripsPerRequest === 0)
    add('replay without it: <= 1 Redis round trip (every layer)', cost.replayNoCache.roundTripsPerRequest, cost.replayNoCache.roundTripsPerRequest <= 1)
    add('replay without it: <= 1 Redis round trip (idempotency layer)', cost.replayNoCache.idempotencyRoundTripsPerRequest,
      cost.replayNoCache.idempotencyRoundTripsPerRequest <= 1)
    add('first request: <= 3 round trips for the idempotency layer', cost.firstRequest.idempotencyRoundTripsPerRequest,
      cost.firstRequest.idempotencyRoundTripsPerRequest <= 3)
    add('first request: create-order flow as designed (acquire, risk, reserve, checkpoint, order, attach, reconcile index, complete = 8)',
      cost.firstRequestFlowRoundTrips, cost.firstRequestMatchesDesign)
  }
  if (memory !== undefined) {
    add(`stored record <= 2 x body + 300 B (${memory.limitBytes} B)`, memory.memoryUsageBytes, memory.withinLimit)
  }
  if (scale !== undefined && scale.steps.length > 1) {
    const span = `${count(scale.steps[0].storedRecords)} -> ${count(scale.steps[scale.steps.length - 1].storedRecords)} records`
    add(`no replay latency growth, ${span} (p50 ratio <= ${flatTolerance})`, scale.replayP50Growth, scale.replayP50Growth <= flatTolerance)
    add(`no first-request latency growth, ${span} (p50 ratio <= ${flatTolerance})`, scale.firstRequestP50Growth, scale.firstRequestP50Growth <= flatTolerance)
  }
  if (duplicates !== undefined) add('exactly one order per burst of duplicates', duplicates.ordersPerBurst, duplicates.exactlyOneOrderPerBurst)
  return goals
}

function count (n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n)
}

function num (n: number): string {
  if (!Number.isFinite(n)) return '-'
  if (n !== 0 && Math.abs(n) < 0.01) return '<0.01'
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(round(n))
}

/** `median [min-max]` */
function fig (f: Figure): string {
  return f.min === f.max ? num(f.median) : `${num(f.median)} [${num(f.min)}-${num(f.max)}]`
}

/** `10 and 50 connections (replay, first request; the other scenarios at 10)` */
function connectionsText (connections: unknown): string {
  const list = Array.isArray(connections) ? connections.map(Number) : [Number(connections)]
  return list.length === 1 ? `${list[0]} connections` : `${list.join(' and ')} connections (replay, first request; the other scenarios at ${list[0]})`
}

function pad (cells: string[], widths: number[]): string {
  return cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()
}

function table (header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]?.length ?? 0)))
  return [pad(header, widths), pad(widths.map(w => '-'.repeat(w)), widths), ...rows.map(r => pad(r, widths))]
}

const targetHeader = ['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'Redis cmds/req', 'non-2xx']

function targetRow (name: string, s: TargetSummary): string[] {
  return [name, fig(s.rps), fig(s.p50Ms), fig(s.p99Ms), fig(s.cpuUsPerRequest), fig(s.redisCommandsPerRequest), String(s.notOk + s.errors)]
}

export function renderTable (results: Results): string {
  const lines: string[] = []
  const s = results.scenarios
  const { settings } = results
  lines.push(`payment-service bench, ${results.date}: ${results.machine.cpus} x ${results.machine.cpuModel}, Node ${results.node}, Redis ${results.redis}`,
    `${String(settings.rounds)} round(s) of ${String(settings.durationSeconds)} s per target, ${connectionsText(settings.connections)}, LOG_LEVEL=${String(settings.logLevel)}; figures are median [min-max] over rounds`, '')
  if (s.replay !== undefined) {
    for (const block of s.replay.byConnections as any[]) {
      lines.push(`replay: same key and body (${s.replay.bodyBytes} B answer), ${block.connections} connections`, ...table(targetHeader, [
        targetRow('service (local cache)', block.targets.service),
        targetRow('service (no local cache)', block.targets.serviceNoCache),
        targetRow('service (limits in Redis)', block.targets.serviceSharedLimit),
        targetRow('baseline: one Redis GET', block.targets.baseline),
        targetRow('peer: @node-idempotency/core', block.targets.peer)
      ]), `service ÷ baseline: ${fig(block.ratio)} with the local cache, ${fig(block.ratioNoCache)} without`,
      `service ÷ peer: ${fig(block.ratioToPeer)} with the local cache, ${fig(block.ratioNoCacheToPeer)} without`,
      `limits in Redis ÷ in memory: ${fig(block.ratioSharedLimit)}`, '')
    }
    lines.push(`replay: orders created during the runs: ${s.replay.ordersCreatedDuringRuns}`, '')
  }
  const first = s['first-request']
  if (first !== undefined) {
    for (const block of first.byConnections as any[]) {
      lines.push(`first request: fresh key, whole create-order flow, ${block.connections} connections`, ...table(targetHeader, [
        targetRow('service', block.targets.service),
        targetRow('service (risk rules off)', block.targets.serviceNoRisk),
        targetRow('service (limits in Redis)', block.targets.serviceSharedLimit),
        targetRow('baseline: SDK create-order', block.targets.baseline),
        targetRow('peer: @node-idempotency/core', block.targets.peer)
      ]), `service ÷ baseline: ${fig(block.ratio)}; service ÷ peer: ${fig(block.ratioToPeer)}`,
      `risk rules on ÷ off: ${fig(block.ratioRisk)}; limits in Redis ÷ in memory: ${fig(block.ratioSharedLimit)}`, '')
    }
  }
  if (s.duplicates !== undefined) {
    const d = s.duplicates
    lines.push(`concurrent duplicates: ${d.description}`,
      `  ${fig(d.requestsPerSecond)} req/s, ${fig(d.burstsPerSecond)} bursts/s, burst p50 ${fig(d.burstP50Ms)} ms, p99 ${fig(d.burstP99Ms)} ms`,
      `  ${d.bursts} bursts, orders per burst ${num(d.ordersPerBurst)}, bursts violating ${d.burstsViolating}, statuses ${JSON.stringify(d.statusCodes)}`, '')
  }
  const cost = s['redis-cost']
  if (cost !== undefined) {
    const cases = ['replay', 'replayNoCache', 'firstRequest', 'firstRequestNoRisk', 'baselineReplay', 'baselineFirstRequest', 'peerReplay', 'peerFirstRequest']
    const rows = cases.filter(name => cost[name] !== undefined).map(name => {
      const c = cost[name]
      return [name, num(c.roundTripsPerRequest), num(c.idempotencyRoundTripsPerRequest), num(c.commandsPerRequest),
        Object.entries(c.sentPerRequest as Record<string, number>).map(([k, v]) => `${k.replace(/^evalsha:/, '')} ${v}`).join(', ') || '-']
    })
    lines.push('Redis cost per request (MONITOR sample: round trips; INFO commandstats: all commands incl. inside scripts)',
      ...table(['case', 'round trips', 'idempotency RT', 'commands', 'sent'], rows),
      `create-order flow as designed (acquire, risk, reserve, checkpoint, order, attach, reconcile index, complete): ${String(cost.firstRequestMatchesDesign)}; ` +
      'around it: the audit XADD (sent together with checkpoint, order and attach)', '')
  }
  if (s.memory !== undefined) {
    const m = s.memory
    lines.push(`memory: record MEMORY USAGE ${m.memoryUsageBytes} B (string ${m.recordBytes} B) for a ${m.bodyBytes} B body; limit ${m.limitBytes} B`,
      `  used_memory per 100k records ${num(m.usedMemoryPer100kRecordsBytes / 1048576)} MiB; per first request (record, order, reservation, audit entry) ${m.usedMemoryPerFirstRequestBytes} B`, '')
  }
  if (s.scale !== undefined) {
    const rows = (s.scale.steps as any[]).flatMap(step => [
      [`${count(step.storedRecords)} records`, 'replay (no cache)', fig(step.replayNoCache.rps), fig(step.replayNoCache.p50Ms), fig(step.replayNoCache.p99Ms), `${num(step.keysInRedisBefore)} -> ${num(step.keysInRedisAfter)}`],
      ['', 'first request', fig(step.firstRequest.rps), fig(step.firstRequest.p50Ms), fig(step.firstRequest.p99Ms), '']
    ])
    lines.push('scale: latency with stored records in Redis', ...table(['stored', 'case', 'req/s', 'p50 ms', 'p99 ms', 'keys in Redis'], rows),
      `p50 growth: replay ${num(s.scale.replayP50Growth)}, first request ${num(s.scale.firstRequestP50Growth)}; p99 growth: replay ${num(s.scale.replayP99Growth)}, first request ${num(s.scale.firstRequestP99Growth)}`, '')
  }
  const limit = s['shared-limit']
  if (limit !== undefined) {
    lines.push('shared rate limit: replays with the limits counted in memory (default) and in Redis (RATE_LIMIT_SHARED=true)', ...table(targetHeader, [
      targetRow('service (limits in memory)', limit.targets.local),
      targetRow('service (limits in Redis)', limit.targets.shared)
    ]), `ratio shared / local: ${fig(limit.ratio)}`, '')
  }
  lines.push('goals', ...table(['goal', 'value', 'met'], results.goals.map(g =>
    [g.goal, typeof g.value === 'number' ? num(g.value) : String(g.value), g.met === null ? 'n/a' : g.met ? 'yes' : 'NO']
  )))
  if (results.profile !== undefined && results.profile.concerns.length > 0) {
    lines.push('', 'CPU by concern, µs per request: main-thread --cpu-prof samples inside the measured runs only (start-up and warm-up left out).',
      'Self time: builtins and Node internals count for their caller, socket I/O for the HTTP server unless a client (Redis, Razorpay, the log) did it.',
      'Samples are wall time while busy: on a loaded machine the profile\'s total can exceed the CPU /proc reports.', '',
      ...renderConcernSplits(results.profile.concerns.filter(c => c.scenario === 'replay' || c.scenario === 'first request')))
    while (lines[lines.length - 1] === '') lines.pop()
  }
  return lines.join('\n') + '\n'
}

export function writeResults (file: string, results: Results): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
}

const start = '<!-- bench-results:start -->'
const end = '<!-- bench-results:end -->'

/** Rewrites the block between the markers of the markdown file (which must already have them). */
export function updateDocs (file: string, results: Results, options: BenchOptions): boolean {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return false
  }
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) return false
  const command = options.quick ? 'npm run bench -- --quick' : 'npm run bench'
  const block = `${start}\nLatest run: \`${command}\` on ${results.date.slice(0, 10)}, ${Math.round(results.durationSeconds)} s in all ` +
    `(the same figures are in [bench/results.json](../bench/results.json)).\n\n\`\`\`text\n${renderTable(results)}\`\`\`\n`
  writeFileSync(file, text.slice(0, from) + block + text.slice(to))
  return true
}
