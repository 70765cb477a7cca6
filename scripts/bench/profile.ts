// Summarises V8 .cpuprofile files (from `npm run bench -- --profile <dir>`): the functions and the packages with the
// most self time, the service functions with the most total time, and self time by concern (logging, routing,
// idempotency, the Redis client, ...). Also a CLI: `tsx scripts/bench/profile.ts <file|dir> [top]`.
//
// Two ways to leave process start-up out of the concern split (a --cpu-prof profile covers the whole process life,
// and module loading, plugin registration and schema compilation would otherwise read as per-request cost):
//  - µs per request (what the bench reports): the bench records every measured run as a window on the monotonic clock
//    (profile windows, written to <dir>/windows.json). V8 stamps a profile's startTime and samples with the same clock
//    (base::TimeTicks, CLOCK_MONOTONIC in µs, as process.hrtime in any process of the machine), so only the samples
//    inside a window are counted, and the requests answered in that window are known exactly: start-up, warm-up runs,
//    seeding and the other scenarios' traffic all fall outside. Warm-up is excluded too: the windows are the measured
//    rounds only.
//  - percent (a profile without windows): the samples before the first incoming HTTP request are dropped (everything
//    up to the listener being ready is start-up); the later ones are given as a share of busy time.
// In both, a sample whose stack is in module loading (a lazy import) is counted as `startup`, never as a concern.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

/** One measured run of one target (rounds.ts records them with --profile). */
export interface ProfileWindow {
  /** The scenario's label: `replay`, `first request`, `scale 10000`, `shared limit`. */
  scenario: string
  /** The target's name in that scenario (`service`, `serviceNoCache`, `baseline`, `peer`, ...). */
  target: string
  /** The process (its profile directory) and pid (in its profile's file name). */
  process: string
  pid: number
  connections: number
  round: number
  /** The run's start and end on the monotonic clock, µs. */
  startedUs: number
  endedUs: number
  /** Answers in the run (2xx and others). */
  requests: number
  ok: number
  /** The process' CPU time during the run (/proc: every thread, user + system), ms. */
  cpuMs: number | undefined
}

const idle = new Set(['(idle)', '(program)'])

function frameName (node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(dist|src|plugins|schemas)\//, '$1/')
  return `${functionName === '' ? '(anonymous)' : functionName} ${file === '' ? '' : `${file}:${lineNumber + 1}`}`.trim()
}

/** The package of a node_modules URL (`@fastify/rate-limit`, `pino`), or undefined. */
function packageOf (url: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(url)?.[1]
}

/** Where time goes, coarsely: a package, the service's own code, Node's internals, or V8 (GC, compiler). */
function owner (node: ProfileNode): string {
  const { functionName, url } = node.callFrame
  if (url === '') return functionName.startsWith('(') ? functionName : 'native'
  if (url.startsWith('node:')) return 'node internals'
  if (url.startsWith('wasm://')) return 'wasm'
  return packageOf(url) ?? 'service code'
}

// ---- concerns ----------------------------------------------------------------------------------------------------

/** The concerns, in the order the tables list them. */
export const concernNames = [
  'http/node core',
  'native, outside JS',
  'GC',
  'fastify routing/hooks',
  'validation',
  'serialization',
  'logging',
  'auth',
  'rate limit',
  'security headers',
  'metrics',
  'idempotency',
  'risk',
  'redis client',
  'razorpay',
  'domain',
  'startup',
  'other'
] as const
export type Concern = typeof concernNames[number]

/** Packages by concern. Packages not listed are `other`, except the utilities below. */
const packageConcerns: Record<string, Concern> = {}
function packages (concern: Concern, names: string[]): void { for (const name of names) packageConcerns[name] = concern }
packages('fastify routing/hooks', ['fastify', 'find-my-way', 'avvio', '@fastify/error', 'fastify-plugin', 'light-my-request', 'secure-json-parse',
  'fast-querystring', '@fastify/forwarded', '@fastify/proxy-addr', 'fast-decode-uri-component', 'safe-regex2', 'ret', 'abstract-logging',
  'process-warning', 'content-type'])
packages('validation', ['ajv', 'ajv-formats', '@fastify/ajv-compiler', 'fast-uri', 'json-schema-traverse', 'typebox', '@sinclair/typebox',
  '@fastify/type-provider-typebox'])
packages('serialization', ['fast-json-stringify', '@fastify/fast-json-stringify-compiler', 'json-schema-ref-resolver', '@fastify/merge-json-schemas'])
packages('logging', ['pino', 'sonic-boom', 'fast-redact', '@pinojs/redact', 'quick-format-unescaped', 'atomic-sleep', 'on-exit-leak-free',
  'thread-stream', 'pino-std-serializers', 'pino-abstract-transport', 'safe-stable-stringify', 'real-require'])
packages('rate limit', ['@fastify/rate-limit'])
packages('security headers', ['helmet', '@fastify/helmet'])
packages('metrics', ['prom-client', 'bintrees', 'tdigest'])
packages('idempotency', ['@node-idempotency/core', '@node-idempotency/storage', '@node-idempotency/storage-adapter-redis'])
packages('redis client', ['ioredis', '@ioredis/commands', '@ioredis/as-callback', 'redis-parser', 'redis-errors', 'standard-as-callback', 'denque',
  'cluster-key-slot', 'lodash.defaults', 'lodash.isarguments', '@fastify/redis', 'redis', '@redis/client', 'generic-pool', 'yallist'])
packages('razorpay', ['razorpay', 'axios', 'follow-redirects', 'form-data', 'proxy-from-env', 'combined-stream', 'asynckit', 'mime-types',
  'mime-db', 'delayed-stream'])
packages('startup', ['tsx', 'esbuild', 'get-tsconfig', 'resolve-pkg-maps', 'source-map-support', 'env-schema', 'close-with-grace'])

/** Small utilities several concerns use: their time counts for whoever called them, as Node's builtins do. */
const utilityPackages = new Set(['toad-cache', 'fastq', 'reusify', 'rfdc', 'fast-deep-equal', 'tslib', '@fastify/deepmerge', 'fast-copy', 'debug', 'ms'])

/** The service's (and the bench's) own files by path, relative to the repository, `dist/` stripped; first match wins. */
const pathConcerns: Array<[RegExp, Concern]> = [
  [/^src\/(logger|request-log)\./, 'logging'],
  [/^plugins\/auth\./, 'auth'],
  [/^plugins\/rate-limit\./, 'rate limit'],
  [/^plugins\/security-headers\./, 'security headers'],
  [/^plugins\/metrics\./, 'metrics'],
  [/^(plugins\/idempotency\.|src\/idempotency\/)/, 'idempotency'],
  [/^(plugins\/risk\.|src\/risk\/)/, 'risk'],
  // src/store is the service's thin Store over ioredis (EVALSHA with the EVAL fallback, reply shapes).
  [/^(plugins\/redis(-checks)?\.|src\/store\/)/, 'redis client'],
  [/^(plugins\/razorpay\.|src\/razorpay\/)/, 'razorpay'],
  [/^schemas\//, 'validation'],
  // The baselines' and peers' handlers count as their domain: what the route itself does.
  [/^(src|plugins|scripts)\//, 'domain']
]

/** Node's modules that move bytes over sockets: their time is the HTTP server's, unless a client of its own owns it. */
const transport = /^node:(_http_|https?$|net$|tls$|dns$|stream|internal\/(http|net|stream_base_commons|streams\/|js_stream_socket|tls|dns|dgram|deps\/undici|deps\/llhttp))/
/** Module loading: start-up, whenever it happens. */
const loading = /^node:internal\/(modules\/|source_map\/|main\/|vm\/module)/
/**
 * Node's HTTP client: in the service and the first-request targets the only outgoing HTTP is the Razorpay SDK's (axios),
 * whose responses arrive in callbacks with no SDK frame below them.
 */
const httpClient = /^node:(_http_client|_http_agent)$/
/** Concerns that do their own I/O: the socket (or file) writes they cause are theirs, not the HTTP server's. */
const ownsIo = new Set<Concern>(['logging', 'redis client', 'razorpay', 'metrics'])

type FrameClass = { kind: 'concern', concern: Concern } | { kind: 'transport' } | { kind: 'generic' } | { kind: 'startup' }

/** What one frame is, on its own. */
function frameClass (node: ProfileNode, repoRoot: string): FrameClass {
  const { functionName, url } = node.callFrame
  if (url === '') {
    if (functionName === '(garbage collector)') return { kind: 'concern', concern: 'GC' }
    if (functionName === '(program)') return { kind: 'concern', concern: 'native, outside JS' }
    // Code fast-json-stringify generates (new Function, no URL) is named anonymous0, anonymous1, ...; ajv's and
    // typebox's generated validators (validate0, check_0) are called from their packages and count for them below.
    if (/^anonymous\d+$/.test(functionName)) return { kind: 'concern', concern: 'serialization' }
    return { kind: 'generic' } // a builtin (JSON.parse, a RegExp, writev): whoever called it
  }
  if (url.startsWith('wasm://')) return { kind: 'generic' }
  if (url.startsWith('node:')) {
    if (loading.test(url)) return { kind: 'startup' }
    if (httpClient.test(url)) return { kind: 'concern', concern: 'razorpay' }
    return transport.test(url) ? { kind: 'transport' } : { kind: 'generic' }
  }
  const pkg = packageOf(url)
  if (pkg !== undefined) {
    if (pkg === 'fastify') {
      // fastify's own serializer call and logger factory belong to those concerns, not to routing.
      if (/\/lib\/(logger|logger-factory|logger-pino)\.js$/.test(url)) return { kind: 'concern', concern: 'logging' }
      if (/\/lib\/error-serializer\.js$/.test(url) || (functionName === 'serialize' && url.endsWith('/lib/reply.js'))) {
        return { kind: 'concern', concern: 'serialization' }
      }
    }
    if (utilityPackages.has(pkg)) return { kind: 'generic' }
    return { kind: 'concern', concern: packageConcerns[pkg] ?? 'other' }
  }
  const path = url.replace(/^file:\/\//, '').replace(repoRoot, '').replace(/^dist\//, '')
  for (const [pattern, concern] of pathConcerns) if (pattern.test(path)) return { kind: 'concern', concern }
  return { kind: 'concern', concern: 'other' }
}

interface Loaded {
  file: string
  pid: number | undefined
  /** 0: the main thread; tsx's loader runs in thread 1 and only loads modules. */
  thread: number | undefined
  profile: CpuProfile
  byId: Map<number, ProfileNode>
  parent: Map<number, number>
  /** Each sample's time on the monotonic clock, µs. */
  timestamps: Float64Array
  /** Per node id: its concern, and the owner shown for `other`. */
  classified: Map<number, { concern: Concern, owner: string }>
}

function load (file: string): Loaded {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const timestamps = new Float64Array(profile.samples.length)
  let t = profile.startTime
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0
    timestamps[i] = t
  }
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
  const name = /\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(basename(file))
  return {
    file,
    pid: name === null ? undefined : Number(name[1]),
    thread: name === null ? undefined : Number(name[2]),
    profile,
    byId,
    parent,
    timestamps,
    classified: new Map()
  }
}

const repoRootPath = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The concern of a sample, from its stack. Self time: the leaf frame's concern, except that Node's internals, V8
 * builtins and small shared utilities are not a concern of their own and count for the nearest caller that is
 * (crypto for the fingerprint is idempotency's, JSON.parse in the Redis reply parser the Redis client's). Socket and
 * HTTP internals are the HTTP server's (`http/node core`), unless that caller does its own I/O (the Redis client's
 * writes, Razorpay's HTTP client, the log's file writes); with no such caller at all (the event loop, llhttp's
 * callbacks from native) they are node core too. Any module loading in the stack makes it `startup`. Calls into
 * fastify's API from a plugin (reply.header, reply.send) count as fastify's: this is self time, not inclusive cost.
 */
function classify (loaded: Loaded, nodeId: number): { concern: Concern, owner: string } {
  const known = loaded.classified.get(nodeId)
  if (known !== undefined) return known
  let found: { concern: Concern, owner: string } | undefined
  let passedTransport = false
  let startup = false
  for (let id: number | undefined = nodeId; id !== undefined; id = loaded.parent.get(id)) {
    const node = loaded.byId.get(id)
    if (node === undefined) break
    const cls = frameClass(node, repoRootPath)
    if (cls.kind === 'startup') { startup = true; break }
    if (found !== undefined) continue // keep walking only to see whether module loading is below
    if (cls.kind === 'transport') passedTransport = true
    else if (cls.kind === 'concern') {
      found = passedTransport && !ownsIo.has(cls.concern)
        ? { concern: 'http/node core', owner: 'node internals' }
        : { concern: cls.concern, owner: owner(node) }
      if (cls.concern === 'startup') { startup = true; break }
    }
  }
  const result = startup
    ? { concern: 'startup' as const, owner: 'module loading' }
    : found ?? { concern: 'http/node core' as const, owner: 'node internals' }
  loaded.classified.set(nodeId, result)
  return result
}

interface ConcernTotals { us: Map<Concern, number>, otherOwners: Map<string, number>, busyUs: number }

function emptyTotals (): ConcernTotals {
  return { us: new Map(), otherOwners: new Map(), busyUs: 0 }
}

/** Adds the samples with index in [from, to) to the totals; idle time is left out. */
function addSamples (loaded: Loaded, from: number, to: number, totals: ConcernTotals): void {
  const { samples, timeDeltas } = loaded.profile
  for (let i = from; i < to; i++) {
    const node = loaded.byId.get(samples[i])
    if (node === undefined || node.callFrame.functionName === '(idle)') continue
    const dt = timeDeltas[i] ?? 0
    if (dt <= 0) continue
    const { concern, owner } = classify(loaded, node.id)
    totals.us.set(concern, (totals.us.get(concern) ?? 0) + dt)
    if (concern === 'other') totals.otherOwners.set(owner, (totals.otherOwners.get(owner) ?? 0) + dt)
    totals.busyUs += dt
  }
}

/** The first sample index at or after time t (µs). */
function sampleAt (loaded: Loaded, t: number): number {
  let lo = 0
  let hi = loaded.timestamps.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (loaded.timestamps[mid] < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The first sample whose stack shows an incoming HTTP request: everything before it is start-up. */
function firstRequestSample (loaded: Loaded): number {
  const handling = new Set<number>()
  for (const node of loaded.profile.nodes) {
    const { functionName, url } = node.callFrame
    if (url === 'node:_http_server' && (functionName === 'parserOnIncoming' || functionName === 'parserOnHeadersComplete')) handling.add(node.id)
    if (url === 'node:_http_common' && functionName === 'parserOnHeadersComplete') handling.add(node.id)
  }
  const inRequest = new Map<number, boolean>()
  const isInRequest = (id: number): boolean => {
    const known = inRequest.get(id)
    if (known !== undefined) return known
    const parentId = loaded.parent.get(id)
    const value = handling.has(id) || (parentId !== undefined && isInRequest(parentId))
    inRequest.set(id, value)
    return value
  }
  const index = loaded.profile.samples.findIndex(id => isInRequest(id))
  return index < 0 ? loaded.profile.samples.length : index
}

function concernPercentLines (loaded: Loaded): string[] {
  const from = firstRequestSample(loaded)
  const totals = emptyTotals()
  addSamples(loaded, from, loaded.profile.samples.length, totals)
  const startup = totals.us.get('startup') ?? 0
  const busy = totals.busyUs - startup
  if (busy <= 0) return ['self time by concern: no request was handled']
  const skippedUs = from < loaded.timestamps.length ? loaded.timestamps[from] - loaded.profile.startTime : 0
  return [
    `self time by concern (percent of busy time from the first request on; the ${(skippedUs / 1e6).toFixed(1)} s before it are start-up and left out${startup > 0 ? `; later module loading ${(startup / 1000).toFixed(0)} ms, also left out` : ''}):`,
    ...concernNames.filter(c => c !== 'startup' && (totals.us.get(c) ?? 0) > 0)
      .map(c => `  ${((totals.us.get(c) ?? 0) / busy * 100).toFixed(1).padStart(5)}%  ${c}${c === 'other' ? ` (${topOwners(totals.otherOwners, 3, busy, 'percent')})` : ''}`)
  ]
}

function topOwners (owners: Map<string, number>, n: number, divisor: number, unit: 'percent' | 'us'): string {
  return [...owners].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, us]) => `${name} ${unit === 'percent' ? `${(us / divisor * 100).toFixed(1)}%` : `${(us / divisor).toFixed(1)} µs`}`).join(', ')
}

export function summarizeProfile (file: string, top = 25): string {
  const loaded = load(file)
  const { profile, byId, parent } = loaded
  const self = new Map<string, number>()
  const owners = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let busy = 0
  let all = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])
    const dt = profile.timeDeltas[i] ?? 0
    if (node === undefined) continue
    all += dt
    if (idle.has(node.callFrame.functionName)) continue
    busy += dt
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + dt)
    owners.set(owner(node), (owners.get(owner(node)) ?? 0) + dt)
    const seen = new Set<string>()
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)
      if (frame === undefined || owner(frame) !== 'service code') continue
      const name = frameName(frame)
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt)
    }
  }
  const percent = (us: number): string => `${(us / busy * 100).toFixed(1).padStart(5)}%`
  const list = (map: Map<string, number>, n: number): string[] =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => `  ${percent(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`)
  return [
    `${file}: ${(all / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)`,
    'self time by owner:', ...list(owners, 15),
    `top ${top} functions by self time:`, ...list(self, top),
    'service functions by total time (callees included):', ...list(inclusive, 15),
    ...concernPercentLines(loaded)
  ].join('\n')
}

/** The .cpuprofile files under a directory (or the file itself). */
export function profileFiles (path: string): string[] {
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path, { withFileTypes: true }).flatMap(entry => {
    const full = join(path, entry.name)
    return entry.isDirectory() ? profileFiles(full) : entry.name.endsWith('.cpuprofile') ? [full] : []
  })
}

// ---- per request, from the windows --------------------------------------------------------------------------------

/** Self time by concern per request, of one target of one scenario, over all its measured runs. */
export interface ConcernSplit {
  scenario: string
  target: string
  process: string
  connections: number[]
  runs: number
  requests: number
  /** Busy (non-idle) main-thread time in the profile over those runs, µs per request. */
  profiledUsPerRequest: number
  /** The process' CPU time from /proc over the same runs (every thread: GC helpers, libuv's pool), µs per request. */
  cpuUsPerRequest: number | null
  usPerRequest: Partial<Record<Concern, number>>
  /** What `other` is, its three largest owners. */
  other: string
}

export const windowsFile = 'windows.json'

/**
 * Cuts each profile (main thread) into the measured runs recorded for its process and sums the self time of each
 * target's runs by concern, per request answered in them. Windows whose profile is missing are skipped.
 */
export function concernSplits (files: string[], windows: ProfileWindow[]): ConcernSplit[] {
  const byPid = new Map<number, Loaded>()
  for (const file of files) {
    const name = /\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(basename(file))
    if (name === null || Number(name[2]) !== 0) continue
    if (!windows.some(w => w.pid === Number(name[1]))) continue
    const loaded = load(file)
    if (loaded.pid !== undefined) byPid.set(loaded.pid, loaded)
  }
  const groups = new Map<string, { first: ProfileWindow, windows: ProfileWindow[], totals: ConcernTotals }>()
  for (const window of windows) {
    const loaded = byPid.get(window.pid)
    if (loaded === undefined) continue
    // Not this profile's time span: a profile of an earlier run in the same directory with a reused pid.
    if (window.endedUs < loaded.profile.startTime || window.startedUs > loaded.profile.endTime) continue
    const key = `${window.scenario}\u0000${window.target}`
    const group = groups.get(key) ?? { first: window, windows: [], totals: emptyTotals() }
    groups.set(key, group)
    group.windows.push(window)
    addSamples(loaded, sampleAt(loaded, window.startedUs), sampleAt(loaded, window.endedUs), group.totals)
  }
  return [...groups.values()].map(({ first, windows: runs, totals }) => {
    const requests = runs.reduce((sum, w) => sum + w.requests, 0)
    const per = (us: number): number => requests > 0 ? Math.round(us / requests * 10) / 10 : Number.NaN
    const cpuKnown = runs.every(w => w.cpuMs !== undefined)
    return {
      scenario: first.scenario,
      target: first.target,
      process: first.process,
      connections: [...new Set(runs.map(w => w.connections))],
      runs: runs.length,
      requests,
      profiledUsPerRequest: per(totals.busyUs),
      cpuUsPerRequest: cpuKnown ? per(runs.reduce((sum, w) => sum + (w.cpuMs ?? 0), 0) * 1000) : null,
      usPerRequest: Object.fromEntries(concernNames.filter(c => totals.us.has(c)).map(c => [c, per(totals.us.get(c) ?? 0)])),
      other: topOwners(totals.otherOwners, 3, Math.max(1, requests), 'us')
    }
  })
}

/** Column titles of the targets the throughput scenarios use. */
const targetTitles: Record<string, string> = {
  service: 'service',
  serviceNoCache: 'no local cache',
  serviceSharedLimit: 'limits in Redis',
  serviceNoRisk: 'risk rules off',
  baseline: 'baseline',
  peer: 'peer',
  local: 'limits in memory',
  shared: 'limits in Redis',
  replayNoCache: 'replay (no cache)',
  firstRequest: 'first request'
}

/** One table per scenario: a row per concern, a column per target, µs of self time per request. */
export function renderConcernSplits (splits: ConcernSplit[]): string[] {
  const lines: string[] = []
  const scenarios = [...new Set(splits.map(s => s.scenario))]
  for (const scenario of scenarios) {
    const columns = splits.filter(s => s.scenario === scenario)
    const header = ['concern (µs/req)', ...columns.map(c => targetTitles[c.target] ?? c.target)]
    const cell = (n: number | null | undefined): string => n === undefined || n === null || !Number.isFinite(n) ? '-' : n === 0 ? '0' : n < 0.1 ? '<0.1' : n.toFixed(1)
    const rows = concernNames
      .filter(c => columns.some(col => (col.usPerRequest[c] ?? 0) > 0))
      .map(c => [c, ...columns.map(col => cell(col.usPerRequest[c] ?? 0))])
    rows.push(['total in the profile (main thread)', ...columns.map(col => cell(col.profiledUsPerRequest))])
    rows.push(['CPU from /proc (all threads)', ...columns.map(col => cell(col.cpuUsPerRequest))])
    rows.push(['requests', ...columns.map(col => String(col.requests))])
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
    const pad = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ').trimEnd()
    const others = columns.filter(col => col.other !== '').map(col => `${targetTitles[col.target] ?? col.target}: ${col.other}`)
    lines.push(`${scenario} (${[...new Set(columns.flatMap(c => c.connections))].join(' and ')} connections, measured runs only)`,
      pad(header), pad(widths.map(w => '-'.repeat(w))), ...rows.map(pad),
      ...(others.length > 0 ? [`  other: ${others.join('; ')}`] : []), '')
  }
  return lines
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, top] = process.argv.slice(2)
  if (path === undefined) {
    console.error('usage: tsx scripts/bench/profile.ts <file.cpuprofile | directory> [top]')
    process.exit(2)
  }
  const files = profileFiles(path)
  for (const file of files) console.log(summarizeProfile(file, Number(top ?? 25)) + '\n')
  const windowsPath = join(path, windowsFile)
  if (statSync(path).isDirectory() && existsSync(windowsPath)) {
    const windows = JSON.parse(readFileSync(windowsPath, 'utf8')) as ProfileWindow[]
    console.log(['self time by concern per request, from the measured runs in ' + windowsPath, ...renderConcernSplits(concernSplits(files, windows))].join('\n'))
  }
}
