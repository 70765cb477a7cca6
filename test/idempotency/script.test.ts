// scripts/test-idempotency.sh against a listening service, so the operators' script cannot rot.
import t from 'tap'
import { spawn } from 'node:child_process'
import { build } from '../helper.js'
import { listen } from '../support/service.js'

/** Runs the script without blocking this process, which serves the requests it sends. */
async function runScript (url: string, token: string): Promise<{ status: number | null, output: string }> {
  const child = spawn('bash', ['scripts/test-idempotency.sh', url], { env: { ...process.env, API_TOKEN: token } })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const status = await new Promise<number | null>(resolve => child.once('exit', resolve))
  return { status, output }
}

t.test('scripts/test-idempotency.sh passes against a running service', async t => {
  const app = await build(t, { API_KEYS: 'shop:script-token' })
  const url = await listen(app)
  const run = await runScript(url, 'script-token')
  t.equal(run.status, 0, run.output)
  t.match(run.output, 'all checks passed')
})

t.test('scripts/test-idempotency.sh fails when the service misbehaves (here: a wrong token)', async t => {
  const app = await build(t, { API_KEYS: 'shop:script-token' })
  const url = await listen(app)
  const run = await runScript(url, 'wrong')
  t.equal(run.status, 1)
  t.match(run.output, 'FAIL')
})
