// What the service needs to know about the Redis it was given, read from INFO node by node, and the checks that say
// whether that Redis keeps the service's promises. INFO only, never CONFIG GET: managed Redis and the service's
// restricted ACL user (src/store/redis-acl.ts) may refuse CONFIG, and INFO reports every field needed here.
import { Cluster, type Redis } from 'ioredis'

export interface RedisNodeSample {
  /** host:port (or the Sentinel master's name). */
  node: string
  usedMemory: number
  /** 0: no limit. */
  maxmemory: number
  /** undefined when this Redis does not report it (then the eviction check cannot pass). */
  maxmemoryPolicy: string | undefined
  keys: number
  aofEnabled: boolean
  aofLastWriteOk: boolean
}

export const redisCheckNames = ['persistence', 'eviction', 'memory'] as const
export type RedisCheckName = typeof redisCheckNames[number]
/** One line per node that fails the check; empty when it passes everywhere. */
export type RedisCheckResults = Record<RedisCheckName, string[]>

/** Used memory at or above this share of maxmemory fails the memory check. */
export const memoryLimitRatio = 0.9

/** What a failing check puts at risk, for the error log line. */
export const redisCheckRisks: Record<RedisCheckName, string> = {
  persistence: 'a Redis restart loses the orders, reservations and idempotency records written since its last snapshot: ' +
    'retries run again (a second charge). Set appendonly yes with appendfsync everysec (or always)',
  eviction: 'Redis may evict idempotency records, locks or orders under memory pressure: a request runs twice. ' +
    'Set maxmemory-policy noeviction',
  memory: `Redis is at ${memoryLimitRatio * 100}% or more of maxmemory: with noeviction, writes (every payment) will soon ` +
    'fail with OOM. Add memory or shorten the TTLs'
}

/** INFO's `field:value` lines. */
export function parseInfo (text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const separator = line.indexOf(':')
    if (line.startsWith('#') || separator <= 0) continue
    fields.set(line.slice(0, separator), line.slice(separator + 1).trim())
  }
  return fields
}

/** Keys summed over the databases of INFO keyspace (`db0:keys=12,expires=3,avg_ttl=0`). */
export function keyCount (keyspace: Map<string, string>): number {
  let keys = 0
  for (const [field, value] of keyspace) {
    if (/^db\d+$/.test(field)) keys += Number(/(?:^|,)keys=(\d+)/.exec(value)?.[1] ?? 0)
  }
  return keys
}

function nodeName (node: Redis): string {
  const options = node.options
  if (options.sentinels !== undefined && options.sentinels !== null && options.sentinels.length > 0) return `sentinel:${options.name ?? 'master'}`
  return `${options.host ?? 'localhost'}:${options.port ?? 6379}`
}

export async function sampleNode (node: Redis): Promise<RedisNodeSample> {
  const [memory, persistence, keyspace] = (await Promise.all(['memory', 'persistence', 'keyspace'].map(async section =>
    await node.info(section)))).map(parseInfo)
  return {
    node: nodeName(node),
    usedMemory: Number(memory.get('used_memory') ?? 0),
    maxmemory: Number(memory.get('maxmemory') ?? 0),
    maxmemoryPolicy: memory.get('maxmemory_policy'),
    keys: keyCount(keyspace),
    aofEnabled: persistence.get('aof_enabled') === '1',
    aofLastWriteOk: (persistence.get('aof_last_write_status') ?? 'ok') === 'ok'
  }
}

/** One sample per node that holds data: the single Redis (or Sentinel's master), or each master of a Cluster. */
export async function sampleRedis (client: Redis | Cluster): Promise<RedisNodeSample[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client]
  if (nodes.length === 0) throw new Error('no Redis Cluster master is known yet')
  return await Promise.all(nodes.map(sampleNode))
}

export function checkSamples (samples: RedisNodeSample[]): RedisCheckResults {
  const results: RedisCheckResults = { persistence: [], eviction: [], memory: [] }
  for (const sample of samples) {
    // RDB snapshots alone are not enough: a crash loses everything written since the last one (minutes, by the
    // default save points), and a lost idempotency record or lock lets a retry charge again. AOF with everysec
    // loses at most about a second. (appendfsync itself is not in INFO; docs/OPERATIONS.md asks for everysec.)
    if (!sample.aofEnabled) results.persistence.push(`${sample.node}: appendonly is off (aof_enabled:0)`)
    else if (!sample.aofLastWriteOk) results.persistence.push(`${sample.node}: the last AOF write failed (disk full?)`)
    if (sample.maxmemoryPolicy !== 'noeviction') {
      results.eviction.push(`${sample.node}: maxmemory-policy is ${sample.maxmemoryPolicy ?? 'not reported'}`)
    }
    // maxmemory 0 (no limit) cannot be near its limit; the host's memory is then the limit, which INFO does not know.
    if (sample.maxmemory > 0 && sample.usedMemory >= memoryLimitRatio * sample.maxmemory) {
      results.memory.push(`${sample.node}: used_memory ${sample.usedMemory} of maxmemory ${sample.maxmemory}`)
    }
  }
  return results
}
