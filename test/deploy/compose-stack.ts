// deploy/docker-compose.yml run as local processes (no Docker engine here): redis-server with the file's arguments,
// the emulator and the service with the containers' environments, hostnames and ports pointed at the local ones.
import { freePort, startRedisServer, type RedisServer } from '../support/redis-server.js'
import { containerCommand, containerEnv, loadCompose, localEnv, type ComposeFile } from './compose-model.js'
import { readStages } from './dockerfile-model.js'
import { emulatorUrlIn, readyAt, startChild } from './processes.js'

export interface LocalStack {
  compose: ComposeFile
  redis: RedisServer
  emulatorUrl: string
  /** The emulator's environment as run (its port the real one). */
  emulatorEnv: Record<string, string>
  serviceUrl: string
  serviceEnv: Record<string, string>
  /** The first API_KEYS token. */
  token: string
}

interface Teardown { teardown (fn: () => unknown): void }

/**
 * Starts the stack in dependency order. `argv` turns a container's command (e.g. node dist/src/server.js) into the
 * local one: the same tree of a reproduced image, or the sources through tsx; `cwd` is where it runs.
 */
export async function startLocalStack (t: Teardown, cwd: string, argv: (command: string[]) => string[]): Promise<LocalStack> {
  const compose = loadCompose()
  const runtime = readStages().at(-1)!
  const { redis, 'razorpay-emulator': emulator, payments } = compose.services
  const redisServer = await startRedisServer((redis.command ?? []).slice(1))
  t.teardown(async () => await redisServer.stop())

  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
  const paymentsEnv = containerEnv(payments, runtime)
  const emulatorEnv = containerEnv(emulator, runtime)
  const servicePort = await freePort()
  const addresses: Record<string, string> = {
    'redis:6379': `127.0.0.1:${redisServer.port}`,
    [`payments:${paymentsEnv.PORT}`]: `127.0.0.1:${servicePort}`
  }

  const emulatorLocal = { ...base, ...localEnv(emulatorEnv, addresses), RAZORPAY_EMULATOR_PORT: '0' }
  const emulatorProcess = await startChild(t, {
    argv: argv(containerCommand(emulator, runtime)), cwd, env: emulatorLocal, ready: output => emulatorUrlIn(output) !== undefined
  })
  const emulatorUrl = emulatorUrlIn(emulatorProcess.output()) as string
  addresses[`razorpay-emulator:${emulatorEnv.RAZORPAY_EMULATOR_PORT}`] = new URL(emulatorUrl).host

  const serviceEnv = { ...base, ...localEnv(paymentsEnv, addresses), PORT: String(servicePort), METRICS_PORT: String(await freePort()) }
  const serviceUrl = `http://127.0.0.1:${servicePort}`
  await startChild(t, { argv: argv(containerCommand(payments, runtime)), cwd, env: serviceEnv, ready: readyAt(serviceUrl) })
  return {
    compose,
    redis: redisServer,
    emulatorUrl,
    emulatorEnv: { ...emulatorLocal, RAZORPAY_EMULATOR_PORT: new URL(emulatorUrl).port },
    serviceUrl,
    serviceEnv,
    token: paymentsEnv.API_KEYS.split(',')[0].split(':').slice(1).join(':')
  }
}
