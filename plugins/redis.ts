// The store: Redis through @fastify/redis (REDIS_URL, a master found through REDIS_SENTINELS, or a Cluster from
// REDIS_CLUSTER_NODES), or, when none is set, the embedded in-process store for one local development instance.
import fastifyRedis from '@fastify/redis'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import { parseClusterNodes } from '../src/config.js'
import { RedisStore } from '../src/store/redis-store.js'
import type { Store } from '../src/store/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

/**
 * Fail fast while Redis is away (the routes answer 503), and reconnect in the background. No auto-pipelining: a
 * request's commands are few and mostly sequential, and batching them cost more CPU than the writes it saved
 * (docs/PERFORMANCE.md). Exported for the bench's baseline, which must pay the same client costs.
 */
export const connectionOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 5000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000)
}

/** What a redis:// or rediss:// URL says besides where Redis is. */
function urlOptions (url: string | undefined): RedisOptions {
  if (url === undefined) return {}
  const parsed = new URL(url)
  return {
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined
  }
}

async function storePlugin (fastify: FastifyInstance): Promise<void> {
  const { REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_CLUSTER_NODES } = fastify.config
  const client = REDIS_CLUSTER_NODES !== undefined
    ? new Cluster(parseClusterNodes(REDIS_CLUSTER_NODES), {
      enableOfflineQueue: false,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
      redisOptions: connectionOptions
    })
    : REDIS_SENTINELS !== undefined
      // The Sentinels name the master (and, after a failover, the new one); REDIS_URL, if set, gives the data
      // connection's credentials, database and TLS, and its host is ignored.
      ? new Redis({ ...connectionOptions, ...urlOptions(REDIS_URL), sentinels: parseClusterNodes(REDIS_SENTINELS), name: REDIS_SENTINEL_MASTER })
      : REDIS_URL !== undefined ? new Redis(REDIS_URL, connectionOptions) : undefined
  if (client !== undefined) {
    // @fastify/redis waits for the first connection; closing is ours, because QUIT fails while Redis is away
    // and a shutdown during an outage must still end cleanly.
    await fastify.register(fastifyRedis, { client })
    fastify.addHook('onClose', async () => {
      await client.quit().catch(() => client.disconnect())
    })
  }

  if (fastify.hasDecorator('redis')) {
    fastify.redis.on('error', (err: Error) => fastify.log.warn({ err }, 'redis connection error'))
    fastify.decorate('store', new RedisStore(fastify.redis))
  } else {
    fastify.log.warn('REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES are unset: using the embedded in-process store. ' +
      'It keeps nothing across restarts and is safe for ONE local instance only; never use it in production.')
    // Loaded only here: a service on Redis never loads the Lua VM.
    const { EmbeddedStore } = await import('../src/store/embedded/embedded-store.js')
    fastify.decorate('store', new EmbeddedStore())
  }
  fastify.addHook('onClose', async () => await fastify.store.close())
}

export default fp(storePlugin, { name: 'store', dependencies: ['config'] })
