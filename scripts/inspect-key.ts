// `npm run inspect-key -- --client <clientId> --route <route> --key <Idempotency-Key> [--method POST] [--body]`: what
// Redis holds under one caller's key (completed, in progress, interrupted or unknown), as JSON, the same as
// GET /api/admin/idempotency. Works against REDIS_URL, REDIS_SENTINELS (+ REDIS_SENTINEL_MASTER) or REDIS_CLUSTER_NODES.
// The stored response body (it can hold order data) is printed only with --body. Reads only.
import { parseArgs } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { ConfigSchema } from '../schemas/config.js'
import { idempotentRoutes } from '../schemas/idempotency-inspection.js'
import { parseClusterNodes } from '../src/config.js'
import { inspectIdempotencyKey, isIdempotentRoute } from '../src/idempotency/inspect.js'
import { isValidIdempotencyKey } from '../src/idempotency/keys.js'
import { RedisStore } from '../src/store/redis-store.js'

const usage = 'usage: REDIS_URL=redis://… npm run inspect-key -- --client <clientId> --route <route> --key <key> [--method POST] [--body]\n' +
  `routes: ${idempotentRoutes.map(known => `${known.method} ${known.route}`).join(', ')}\n`

function fail (message: string): never {
  process.stderr.write(`${message}\n${usage}`)
  process.exit(1)
}

let values
try {
  values = parseArgs({
    options: {
      client: { type: 'string' },
      route: { type: 'string' },
      key: { type: 'string' },
      method: { type: 'string', default: 'POST' },
      body: { type: 'boolean', default: false }
    }
  }).values
} catch (err) {
  fail((err as Error).message)
}
const { client, route, key, method, body } = values
if (client === undefined || route === undefined || key === undefined) fail('--client, --route and --key are required')
if (!/^[\x21-\x7e]{1,128}$/.test(client)) fail('--client must be 1 to 128 printable ASCII characters')
if (!isValidIdempotencyKey(key)) fail('--key must be 1 to 255 printable ASCII characters, as the service accepts it')
if (!isIdempotentRoute(method, route)) fail(`${method} ${route} is not an idempotent route`)

const { REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_CLUSTER_NODES, IDEMPOTENCY_LOCAL_CACHE_ENTRIES } = process.env
if (REDIS_URL === undefined && REDIS_SENTINELS === undefined && REDIS_CLUSTER_NODES === undefined) {
  fail('set REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES as the service has them (the embedded store lives inside ' +
    'the service: use GET /api/admin/idempotency there)')
}
// As the service sees it (the schema's default when unset): whether an instance may keep the record in memory.
const cacheDefault = (ConfigSchema.properties.IDEMPOTENCY_LOCAL_CACHE_ENTRIES as unknown as { default: number }).default
const localCacheEntries = Number(IDEMPOTENCY_LOCAL_CACHE_ENTRIES ?? cacheDefault)
if (!Number.isInteger(localCacheEntries) || localCacheEntries < 0) fail('IDEMPOTENCY_LOCAL_CACHE_ENTRIES must be a whole number')

// One attempt, no endless reconnecting: an operator wants an answer or an error.
const options = { maxRetriesPerRequest: 1, connectTimeout: 5000, commandTimeout: 5000, retryStrategy: () => null, lazyConnect: true }
const redis = REDIS_CLUSTER_NODES !== undefined
  ? new Cluster(parseClusterNodes(REDIS_CLUSTER_NODES), { redisOptions: options, clusterRetryStrategy: () => null, lazyConnect: true })
  : REDIS_SENTINELS !== undefined
    // The data connection's credentials (if any) come from REDIS_URL, as for the service.
    ? new Redis({
      ...options,
      sentinels: parseClusterNodes(REDIS_SENTINELS),
      name: REDIS_SENTINEL_MASTER ?? 'mymaster',
      ...(REDIS_URL === undefined ? {} : credentials(REDIS_URL))
    })
    : new Redis(REDIS_URL as string, options)

function credentials (url: string): { username?: string, password?: string, db?: number, tls?: object } {
  const parsed = new URL(url)
  return {
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined,
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    tls: parsed.protocol === 'rediss:' ? {} : undefined
  }
}

// ioredis reports a refused connection as an event; the command then fails with a vaguer "Connection is closed".
let connectionError: Error | undefined
redis.on('error', (err: Error) => { connectionError = err })

try {
  await redis.connect()
  const inspection = await inspectIdempotencyKey(new RedisStore(redis), { clientId: client, method, route, key }, {
    includeBody: body,
    localCacheEntries
  })
  process.stdout.write(`${JSON.stringify(inspection, null, 2)}\n`)
} catch (err) {
  process.stderr.write(`could not inspect the key: ${(connectionError ?? err as Error).message}\n`)
  process.exitCode = 1
} finally {
  redis.disconnect()
}
