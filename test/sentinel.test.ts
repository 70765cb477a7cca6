// Redis behind Sentinel: the service finds the master through REDIS_SENTINELS, and after a failover it follows the
// promoted replica: a key stored before the failover still replays, and new orders are created on the new master.
import t from 'tap'
import { Redis } from 'ioredis'
import { build } from './helper.js'
import { startRedisSentinel, startRedisServer } from './support/redis-server.js'
import { emulator, emulatorEnv, eventually } from './support/service.js'

async function until (check: () => Promise<boolean>): Promise<void> {
  await eventually(async () => await check().catch(() => false), 60_000, 100)
}

t.test('the master found through Sentinel, and followed through a failover', async t => {
  const master = await startRedisServer()
  const replica = await startRedisServer(['--replicaof', '127.0.0.1', String(master.port)])
  const sentinel = await startRedisSentinel(master.port)
  const watch = new Redis({ port: sentinel.port, host: '127.0.0.1', lazyConnect: true })
  const primary = new Redis(master.url)
  t.teardown(async () => {
    watch.disconnect()
    primary.disconnect()
    await sentinel.stop()
    await replica.stop()
    await master.stop()
  })
  // Connected is not enough: WAIT counts only a replica past its initial sync (state=online), which a loaded machine
  // may take seconds to reach.
  await until(async () => /slave0:.*state=online/.test(await primary.info('replication')))
  await until(async () => (await watch.call('SENTINEL', 'REPLICAS', 'mymaster') as unknown[]).length === 1)

  const rzp = await emulator(t)
  const app = await build(t, {
    ...emulatorEnv(rzp),
    REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
    REDIS_SENTINEL_MASTER: 'mymaster',
    // Every replay asks Redis, so the replay below is read from the promoted replica.
    IDEMPOTENCY_LOCAL_CACHE_ENTRIES: '0'
  })
  t.equal(app.store.kind, 'redis')
  const order = async (key: string) => await app.inject({
    method: 'POST', url: '/api/checkout/create-order', payload: { variantId: 'test', quantity: 1, amount: 1499 }, headers: { 'idempotency-key': key }
  })
  const first = await order('sentinel-1')
  t.equal(first.statusCode, 201, 'an order on the master the Sentinel names')
  let acknowledged = false
  await until(async () => (acknowledged = Number(await primary.call('WAIT', 1, 1000)) >= 1))
  t.ok(acknowledged, 'the replica has it too')

  await watch.call('SENTINEL', 'FAILOVER', 'mymaster')
  await until(async () => (await watch.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster') as string[])[1] === String(replica.port))
  t.pass('the replica was promoted')

  let replay = await order('sentinel-1')
  await until(async () => {
    replay = await order('sentinel-1')
    return replay.statusCode !== 503
  })
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true', 'the key stored before the failover replays from the new master')
  t.equal(replay.body, first.body)
  const second = await order('sentinel-2')
  t.equal(second.statusCode, 201, 'new orders are written to the new master')
  const onNewMaster = new Redis(`redis://127.0.0.1:${replica.port}`)
  t.teardown(() => onNewMaster.disconnect())
  t.equal((await onNewMaster.info('replication')).match(/role:(\w+)/)?.[1], 'master')
})
