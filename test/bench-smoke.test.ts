// Runs the bench harness (`npm run bench`) with tiny settings so it cannot rot: it must finish, write a results
// object with every scenario, report every target (baselines, peers, the service with and without its optional
// features) at each connection count and the CPU split by concern, and leave no process behind. The numbers themselves
// are never asserted.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scenarioNames } from '../scripts/bench/options.js'

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function listening (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

interface Block { connections: number, targets: Record<string, unknown> }

t.test('the bench harness runs every scenario with tiny settings and cleans up', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'results.json')
  const profileDir = join(dir, 'profiles')
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BENCH_')))
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/index.ts', '--quick', '--runner', 'tsx', '--out', out, '--no-docs',
    '--profile', profileDir], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  // A hung harness is stopped with SIGTERM, which makes it stop its own children.
  // Ten processes start through tsx on two shared cores and two connection counts run: well under a minute when
  // the machine is idle, more when others measure on it.
  const timer = setTimeout(() => child.kill('SIGTERM'), 180_000)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(timer)
  t.equal(code, 0, `the harness exits 0\n${output.slice(-3000)}`)

  const results = JSON.parse(readFileSync(out, 'utf8')) as {
    scenarios: Record<string, any>
    goals: unknown[]
    node: string
    settings: { connections: number[] }
    profile?: { concerns: Array<{ scenario: string, target: string, usPerRequest: Record<string, number> }> }
  }
  t.same(Object.keys(results.scenarios).sort(), [...scenarioNames].sort(), 'every scenario is in the results')
  t.ok(Array.isArray(results.goals) && results.goals.length > 0, 'the goals are checked')
  t.equal(results.node, process.version)

  const { connections } = results.settings
  t.ok(Array.isArray(connections) && connections.length >= 2, 'the quick preset runs two connection counts')
  const replay = results.scenarios.replay.byConnections as Block[]
  const first = results.scenarios['first-request'].byConnections as Block[]
  t.same(replay.map(b => b.connections), connections, 'replay: one block per connection count')
  t.same(first.map(b => b.connections), connections, 'first request: one block per connection count')
  for (const block of replay) {
    t.same(Object.keys(block.targets).sort(), ['baseline', 'peer', 'service', 'serviceNoCache', 'serviceSharedLimit'], `replay targets at ${block.connections}`)
  }
  for (const block of first) {
    t.same(Object.keys(block.targets).sort(), ['baseline', 'peer', 'service', 'serviceNoRisk', 'serviceSharedLimit'], `first-request targets at ${block.connections}`)
  }
  for (const name of ['peerReplay', 'peerFirstRequest', 'firstRequestNoRisk']) t.ok(results.scenarios['redis-cost'][name], `Redis cost of ${name}`)

  for (const count of connections) {
    t.match(output, new RegExp(`replay: same key and body \\(\\d+ B answer\\), ${count} connections`), `a replay block for ${count} connections`)
    t.match(output, new RegExp(`first request: fresh key, whole create-order flow, ${count} connections`), `a first-request block for ${count} connections`)
  }
  for (const row of ['service (limits in Redis)', 'service (risk rules off)', 'peer: @node-idempotency/core', 'service ÷ peer', 'risk rules on ÷ off',
    'limits in Redis ÷ in memory', 'CPU by concern']) {
    t.ok(output.includes(row), `the report has "${row}"`)
  }

  // The CPU split by concern, per request of the measured runs, for every target of both throughput scenarios.
  const concerns = results.profile?.concerns ?? []
  for (const [scenario, targets] of [['replay', ['service', 'serviceNoCache', 'baseline', 'peer']], ['first request', ['service', 'serviceNoRisk', 'baseline', 'peer']]] as const) {
    for (const target of targets) {
      const split = concerns.find(c => c.scenario === scenario && c.target === target)
      t.ok(split !== undefined && Object.keys(split.usPerRequest).length > 0, `a concern split of ${scenario} / ${target}`)
    }
  }
  t.ok(concerns.some(c => c.target === 'service' && c.usPerRequest.logging !== undefined), 'the service\'s logging is one of its concerns')

  const pids = [...output.matchAll(/started \S+ pid (\d+)/g)].map(m => Number(m[1]))
  t.ok(pids.length >= 9, 'the emulator, four service instances, two baselines and two peers were started')
  t.same(pids.filter(alive), [], 'no child process is left running')
  const redisPort = Number(/started redis-server on port (\d+)/.exec(output)?.[1])
  t.notOk(await listening(redisPort), 'its redis-server is stopped')
})
