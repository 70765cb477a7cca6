// Builds the app for a test: configuration from an env-like object, ready() awaited, closed in teardown.
import type { FastifyInstance } from 'fastify'
import { ConfigError, loadConfig } from '../src/config.js'
import { buildApp } from '../src/build-app.js'
import { startRedisServer, type RedisServer } from './support/redis-server.js'

export interface TestContext {
  teardown (fn: () => unknown): void
}

// No idle Razorpay probe: tests count the emulator's requests (test/operability/razorpay-readiness.test.ts turns it on).
// No idle Razorpay probe (it would land in tests' request counts), and no shedding on event-loop delay: a loaded CI
// machine stalls every loop at once, and a 503 there says nothing about the code (test/operability tests shedding).
export const testEnv = { NODE_ENV: 'test', LOG_LEVEL: 'silent', RAZORPAY_PROBE_INTERVAL_SECONDS: '0', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' }

export async function build (t: TestContext, env: Record<string, string | undefined> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ ...testEnv, ...env })
  const app = await buildApp({ config, logger: false })
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

/** A redis-server of this test's own, stopped in teardown. */
export async function redisServer (t: TestContext): Promise<RedisServer> {
  const server = await startRedisServer()
  t.teardown(async () => await server.stop())
  return server
}

/** The ConfigError this environment stops the start with, or undefined when it starts. */
export function configRefusal (env: Record<string, string>): ConfigError | undefined {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
}
