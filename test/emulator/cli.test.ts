// `npm run emulator` as a real child process: configured from the environment, stops on SIGTERM.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'

const cli = fileURLToPath(new URL('../../src/emulator/cli.ts', import.meta.url))

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('serves on RAZORPAY_EMULATOR_PORT with the env credentials and exits 0 on SIGTERM', async (t) => {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', cli], {
    env: {
      ...process.env,
      RAZORPAY_EMULATOR_PORT: String(port),
      RAZORPAY_KEY_ID: 'rzp_test_cli',
      RAZORPAY_KEY_SECRET: 'cli_secret',
      RAZORPAY_WEBHOOK_SECRET: 'cli_webhook_secret',
      LOG_LEVEL: 'warn'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit')
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  await new Promise<void>((resolve, reject) => {
    // A deadline for reporting a start that failed, not a budget: tsx compiles first, which a loaded machine slows.
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 60_000)
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('listening on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`exited early with ${code}; stderr: ${stderr}`)))
  })
  t.match(stdout, `http://127.0.0.1:${port}`, 'logs where it listens')
  t.notMatch(stdout, 'cli_secret', 'never logs the secret')

  const auth = 'Basic ' + Buffer.from('rzp_test_cli:cli_secret').toString('base64')
  const listed = await request(`http://127.0.0.1:${port}/v1/orders`, { headers: { authorization: auth } })
  t.equal(listed.statusCode, 200)
  t.match(await listed.body.json(), { entity: 'collection', count: 0 })
  const defaults = 'Basic ' + Buffer.from('rzp_test_emulator:emulator_secret').toString('base64')
  const refused = await request(`http://127.0.0.1:${port}/v1/orders`, { headers: { authorization: defaults } })
  t.equal(refused.statusCode, 401, 'the env key replaces the default one')
  await refused.body.dump()

  child.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0)
})

t.test('exits 1 with one clear line when the port is taken', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => blocker.close(resolve)))
  const child = spawn(process.execPath, ['--import', 'tsx', cli], {
    env: { ...process.env, RAZORPAY_EMULATOR_PORT: String((blocker.address() as AddressInfo).port), LOG_LEVEL: 'fatal' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  t.match(stderr, /could not start: .*EADDRINUSE/)
})
