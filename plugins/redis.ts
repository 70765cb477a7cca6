// The store: Redis through @fastify/redis (REDIS_URL, or a Cluster from REDIS_CLUSTER_NODES), or, when neither
// is set, the embedded in-process store for one local development instance.
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

/** Fail fast while Redis is away (the routes answer 503), and reconnect in the background. */
const connectionOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2000,
  connectTimeout: 5000,
  enableAutoPipelining: true,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 2000)
}

async function storePlugin (fastify: FastifyInstance): Promise<void> {
  const { REDIS_URL, REDIS_CLUSTER_NODES } = fastify.config
  const client = REDIS_CLUSTER_NODES !== undefined
    ? new Cluster(parseClusterNodes(REDIS_CLUSTER_NODES), {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 2000),
      redisOptions: connectionOptions
    })
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
    fastify.log.warn('REDIS_URL and REDIS_CLUSTER_NODES are unset: using the embedded in-process store. ' +
      'It keeps nothing across restarts and is safe for ONE local instance only; never use it in production.')
    // Loaded only here: a service on Redis never loads the Lua VM.
    const { EmbeddedStore } = await import('../src/store/embedded/embedded-store.js')
    fastify.decorate('store', new EmbeddedStore())
  }
  fastify.addHook('onClose', async () => await fastify.store.close())
}

export default fp(storePlugin, { name: 'store', dependencies: ['config'] })
