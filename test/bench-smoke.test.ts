// Runs the bench harness (`npm run bench`) with tiny settings so it cannot rot: it must finish, write a results
// object with every scenario, and leave no process behind. The numbers themselves are never asserted.
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

t.test('the bench harness runs every scenario with tiny settings and cleans up', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'results.json')
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BENCH_')))
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/index.ts', '--quick', '--runner', 'tsx', '--out', out, '--no-docs'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  // A hung harness is stopped with SIGTERM, which makes it stop its own children.
  const timer = setTimeout(() => child.kill('SIGTERM'), 50_000)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(timer)
  t.equal(code, 0, `the harness exits 0\n${output.slice(-3000)}`)

  const results = JSON.parse(readFileSync(out, 'utf8')) as { scenarios: Record<string, unknown>, goals: unknown[], node: string }
  t.same(Object.keys(results.scenarios).sort(), [...scenarioNames].sort(), 'every scenario is in the results')
  t.ok(Array.isArray(results.goals) && results.goals.length > 0, 'the goals are checked')
  t.equal(results.node, process.version)

  const pids = [...output.matchAll(/started \S+ pid (\d+)/g)].map(m => Number(m[1]))
  t.ok(pids.length >= 5, 'the emulator, two service instances and two baselines were started')
  t.same(pids.filter(alive), [], 'no child process is left running')
  const redisPort = Number(/started redis-server on port (\d+)/.exec(output)?.[1])
  t.notOk(await listening(redisPort), 'its redis-server is stopped')
})
