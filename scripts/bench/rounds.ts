// Same-run comparison: every target of a scenario is warmed up, then measured in rounds whose order rotates
// (ABC, BCA, CAB), so drift of a noisy machine falls on all of them; each figure is the median of its rounds.
import type { Fixture } from './fixture.js'
import { measure, type RunResult, type Target } from './load.js'
import type { BenchOptions } from './options.js'
import type { ProfileWindow } from './profile.js'
import { figure, roundFigure, type Figure } from './stats.js'

export interface ScenarioContext {
  fixture: Fixture
  options: BenchOptions
  log: (line: string) => void
  /** With --profile: every measured run is recorded here, so its profile samples can be told apart (profile.ts). */
  profileWindows?: ProfileWindow[]
}

export interface AlternateSettings {
  /** The load generator's connections (default: the first of --connections). */
  connections?: number
  /** Warm the targets up first (default true); the second connection count of a scenario skips it, they are warm. */
  warmup?: boolean
}

export interface TargetSummary {
  rounds: number
  rps: Figure
  p50Ms: Figure
  p90Ms: Figure
  p99Ms: Figure
  cpuUsPerRequest: Figure
  redisCommandsPerRequest: Figure
  redisScriptCallsPerRequest: Figure
  answers: number
  notOk: number
  errors: number
  statusCodes: Record<string, number>
}

function describe (run: RunResult): string {
  const cpu = run.cpuUsPerRequest === undefined ? '' : `, ${Math.round(run.cpuUsPerRequest)} µs CPU/req`
  const bad = run.notOk + run.errors > 0 ? `, ${run.notOk} non-2xx, ${run.errors} errors` : ''
  return `${Math.round(run.rps)} req/s, p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms${cpu}${bad}`
}

/** Runs each target `rounds` times in rotating order after a warm-up; returns the runs of each target. */
export async function alternate (ctx: ScenarioContext, label: string, targets: Target[], settings: AlternateSettings = {}): Promise<Map<string, RunResult[]>> {
  const { options, fixture, log } = ctx
  const connections = settings.connections ?? options.connections[0]
  const runs = new Map<string, RunResult[]>(targets.map(t => [t.name, []]))
  if (options.warmup > 0 && settings.warmup !== false) {
    for (const target of targets) {
      await measure(target, { duration: options.warmup, connections }, fixture.redis)
    }
  }
  for (let round = 0; round < options.rounds; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length])
    for (const target of order) {
      const run = await measure(target, { duration: options.duration, connections }, fixture.redis)
      runs.get(target.name)?.push(run)
      ctx.profileWindows?.push({
        scenario: label,
        target: target.name,
        process: target.process.name,
        pid: target.process.pid,
        connections,
        round: round + 1,
        startedUs: run.startedUs,
        endedUs: run.endedUs,
        requests: run.ok + run.notOk,
        ok: run.ok,
        cpuMs: run.cpuMs
      })
      log(`${label} round ${round + 1}/${options.rounds} ${target.name} (${connections} connections): ${describe(run)}`)
    }
  }
  return runs
}

export function summarize (runs: RunResult[]): TargetSummary {
  const statusCodes: Record<string, number> = {}
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count
  }
  const of = (pick: (run: RunResult) => number | undefined): Figure =>
    roundFigure(figure(runs.map(run => pick(run) ?? Number.NaN)))
  return {
    rounds: runs.length,
    rps: of(run => run.rps),
    p50Ms: of(run => run.p50),
    p90Ms: of(run => run.p90),
    p99Ms: of(run => run.p99),
    cpuUsPerRequest: of(run => run.cpuUsPerRequest),
    redisCommandsPerRequest: of(run => run.redisCommandsPerRequest),
    redisScriptCallsPerRequest: of(run => run.redisScriptCallsPerRequest),
    answers: runs.reduce((sum, run) => sum + run.ok + run.notOk, 0),
    notOk: runs.reduce((sum, run) => sum + run.notOk, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    statusCodes
  }
}

/** Per-round ratio of one target's throughput to another's (same round, so the same machine state). */
export function ratio (runs: Map<string, RunResult[]>, numerator: string, denominator: string): Figure {
  const top = runs.get(numerator) ?? []
  const bottom = runs.get(denominator) ?? []
  return roundFigure(figure(top.map((run, i) => run.rps / (bottom[i]?.rps ?? Number.NaN))))
}
