// Runs the store contract against a real redis-server and a three-node Redis Cluster started for this file.
import t from 'tap'
import { Cluster, Redis } from 'ioredis'
import { RedisStore } from '../../src/store/redis-store.js'
import { startRedisCluster, startRedisServer } from '../support/redis-server.js'
import { storeContract } from './contract.js'

async function ready (client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') return
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve())
    client.once('error', reject)
  })
}

async function storeOver (client: Redis | Cluster): Promise<{ store: RedisStore, cleanup (): Promise<void> }> {
  await ready(client)
  const store = new RedisStore(client)
  return {
    store,
    async cleanup () {
      await store.close()
      await client.quit().catch(() => client.disconnect())
    }
  }
}

t.test('single Redis', async t => {
  const server = await startRedisServer()
  t.teardown(async () => await server.stop())
  storeContract(t, 'redis', async () =>
    await storeOver(new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })))
})

t.test('Redis Cluster', async t => {
  const cluster = await startRedisCluster()
  t.teardown(async () => await cluster.stop())
  const seeds = cluster.nodes.map(node => {
    const [host, port] = node.split(':')
    return { host, port: Number(port) }
  })
  storeContract(t, 'cluster', async () =>
    await storeOver(new Cluster(seeds, { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 1 } })))
})
