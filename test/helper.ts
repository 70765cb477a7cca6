// Builds the app for a test: configuration from an env-like object, ready() awaited, closed in teardown.
import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/build-app.js'
import { startRedisServer, type RedisServer } from './support/redis-server.js'

export interface TestContext {
  teardown (fn: () => unknown): void
}

export const testEnv = { NODE_ENV: 'test', LOG_LEVEL: 'silent' }

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
