// The settings of a bench run: CLI flags (`npm run bench -- --duration 5`) win over BENCH_* environment
// variables, which win over the defaults; `--quick` is the tiny preset the smoke test uses.
import { parseArgs } from 'node:util'

export const scenarioNames = ['replay', 'first-request', 'duplicates', 'redis-cost', 'memory', 'footprint', 'scale', 'shared-limit'] as const
export type ScenarioName = typeof scenarioNames[number]

export interface BenchOptions {
  /** Seconds of each measured run. */
  duration: number
  /** Seconds each target runs before its first measured round (JIT, connection pools, caches). */
  warmup: number
  rounds: number
  /**
   * Concurrent connections of the load generator. Replay and first request run at each (one table block per count);
   * every other scenario runs at the first.
   */
  connections: number[]
  /** Identical requests per burst in the duplicates scenario, and how many bursts are in flight at once. */
  burstSize: number
  burstConcurrency: number
  /** Stored idempotency records in Redis at each step of the scale scenario. */
  scaleKeys: number[]
  /** Requests per target sampled under MONITOR to attribute Redis commands to scripts. */
  monitorSamples: number
  scenarios: ScenarioName[]
  out: string
  /** Markdown file whose results block is rewritten; undefined: none. */
  docs: string | undefined
  build: boolean
  /** `dist`: the built service (`node dist/src/server.js`); `tsx`: the sources, no build (smoke test). */
  runner: 'dist' | 'tsx'
  logLevel: 'info' | 'warn'
  /** Directory for --cpu-prof profiles of the service processes; undefined: no profiling. */
  profileDir: string | undefined
  keepLogs: boolean
  quick: boolean
}

export const defaultOut = 'bench/results.json'
const defaultDocs = 'docs/PERFORMANCE.md'

const usage = `npm run bench -- [options]   (each also as BENCH_<NAME>, e.g. BENCH_DURATION=5)
  --duration <s>            seconds per measured run (10)
  --warmup <s>              warm-up seconds per target (3)
  --rounds <n>              alternating rounds per scenario (3)
  --connections <a,b>       concurrent connections of the load generator: replay and first request run at
                            each, the other scenarios at the first (10,50)
  --burst-size <n>          identical requests per burst (10)
  --burst-concurrency <n>   bursts in flight at once (2)
  --scale-keys <a,b>        stored records for the scale steps (10000,1000000)
  --monitor-samples <n>     requests per target sampled under MONITOR (200)
  --only <a,b>              scenarios: ${scenarioNames.join(', ')}
  --out <file>              results JSON (${defaultOut})
  --docs <file>             markdown whose results block is rewritten (${defaultDocs} when --out is the default)
  --no-docs                 do not touch any markdown
  --no-build                use dist/ as it is
  --runner dist|tsx         run the built service or its sources through tsx (dist)
  --log-level info|warn     the service's LOG_LEVEL (info)
  --profile <dir>           write --cpu-prof profiles of the services, baselines and peers into <dir>, summarise
                            them, and split each target's CPU per request by concern (logging, routing, ...)
  --keep-logs               keep the children's log files
  --quick                   tiny settings: 1 s runs, 1 round, small key counts (smoke test)`

function positiveInteger (name: string, raw: string): number {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`)
  return value
}

export function parseOptions (argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const flags = ['duration', 'warmup', 'rounds', 'connections', 'burst-size', 'burst-concurrency', 'scale-keys',
    'monitor-samples', 'only', 'out', 'docs', 'runner', 'log-level', 'profile'] as const
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(flags.map(name => [name, { type: 'string' as const }])),
      'no-docs': { type: 'boolean' },
      'no-build': { type: 'boolean' },
      'keep-logs': { type: 'boolean' },
      quick: { type: 'boolean' },
      help: { type: 'boolean' }
    },
    strict: true
  })
  if (values.help === true) {
    console.log(usage)
    process.exit(0)
  }
  const setting = (name: string): string | undefined => {
    const flag = (values as Record<string, string | boolean | undefined>)[name]
    if (typeof flag === 'string') return flag
    const fromEnv = env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`]
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
  }
  const switched = (name: string): boolean =>
    values[name as keyof typeof values] === true || ['1', 'true'].includes(env[`BENCH_${name.toUpperCase().replaceAll('-', '_')}`] ?? '')
  const quick = switched('quick')
  const integer = (name: string, normal: number, small: number): number => {
    const raw = setting(name)
    return raw === undefined ? (quick ? small : normal) : positiveInteger(name, raw)
  }

  const only = setting('only')?.split(',').map(s => s.trim()).filter(Boolean) ?? [...scenarioNames]
  for (const name of only) {
    if (!(scenarioNames as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name}; known: ${scenarioNames.join(', ')}`)
  }
  const scaleKeys = (setting('scale-keys') ?? (quick ? '1000,5000' : '10000,1000000'))
    .split(',').map(raw => positiveInteger('scale-keys', raw.trim()))
  // Two counts in the quick preset too, so that the smoke test sees one block per count; small ones, as before.
  const connections = [...new Set((setting('connections') ?? (quick ? '4,16' : '10,50'))
    .split(',').map(raw => raw.trim()).filter(Boolean).map(raw => Math.max(1, positiveInteger('connections', raw))))]
  if (connections.length === 0) throw new Error('--connections needs at least one count')
  const runner = setting('runner') ?? 'dist'
  if (runner !== 'dist' && runner !== 'tsx') throw new Error(`--runner must be dist or tsx, got ${runner}`)
  const logLevel = setting('log-level') ?? 'info'
  if (logLevel !== 'info' && logLevel !== 'warn') throw new Error(`--log-level must be info or warn, got ${logLevel}`)
  const out = setting('out') ?? defaultOut
  const docs = switched('no-docs') ? undefined : setting('docs') ?? (out === defaultOut && !quick ? defaultDocs : undefined)

  const options: BenchOptions = {
    duration: Math.max(1, integer('duration', 10, 1)),
    warmup: integer('warmup', 3, 0),
    rounds: Math.max(1, integer('rounds', 3, 1)),
    connections,
    burstSize: Math.max(2, integer('burst-size', 10, 5)),
    burstConcurrency: Math.max(1, integer('burst-concurrency', 2, 1)),
    scaleKeys,
    monitorSamples: Math.max(1, integer('monitor-samples', 200, 20)),
    scenarios: only as ScenarioName[],
    out,
    docs,
    build: !switched('no-build') && runner === 'dist',
    runner,
    logLevel,
    profileDir: setting('profile'),
    keepLogs: switched('keep-logs'),
    quick
  }
  return options
}
