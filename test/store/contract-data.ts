// Contract tests for plain commands: strings and TTLs, counters, hashes, sets, sorted sets, streams, errors.
import type { ContractTest } from './contract-helpers.js'
import { exceptOnCluster, freshScript, waitFor } from './contract-helpers.js'

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'

export function dataContract (test: ContractTest): void {
  test('SET NX sets only a missing key, and PX gives it a TTL in milliseconds', async (t, { store, key }) => {
    t.equal(await store.command('set', [key('lock'), 'owner-1', 'NX', 'PX', 10_000]), 'OK')
    t.equal(await store.command('set', [key('lock'), 'owner-2', 'NX', 'PX', 10_000]), null)
    t.equal(await store.command('get', [key('lock')]), 'owner-1')
    const pttl = await store.command('pttl', [key('lock')]) as number
    t.ok(pttl > 9_000 && pttl <= 10_000, `PTTL ${pttl} is within the 10 s TTL`)
    t.equal(await store.command('ttl', [key('lock')]), 10)
    t.equal(await store.command('pttl', [key('missing')]), -2)
    t.equal(await store.command('set', [key('plain'), 'v']), 'OK')
    t.equal(await store.command('pttl', [key('plain')]), -1)
  })

  test('SET XX, GET and KEEPTTL keep Redis semantics', async (t, { store, key }) => {
    t.equal(await store.command('set', [key('a'), 'v1', 'XX']), null, 'XX does not create')
    t.equal(await store.command('exists', [key('a')]), 0)
    await store.command('set', [key('a'), 'v1', 'EX', 100])
    t.equal(await store.command('set', [key('a'), 'v2', 'XX', 'GET', 'KEEPTTL']), 'v1', 'GET answers the old value')
    t.ok(await store.command('ttl', [key('a')]) as number > 90, 'KEEPTTL kept the TTL')
    t.equal(await store.command('set', [key('a'), 'v3']), 'OK')
    t.equal(await store.command('ttl', [key('a')]), -1, 'a plain SET drops the TTL')
    t.equal(await store.command('set', [key('a'), 'v4', 'NX', 'GET']), 'v3', 'NX GET answers the value it kept')
    t.equal(await store.command('get', [key('a')]), 'v3')
    await t.rejects(store.command('set', [key('a'), 'v', 'PX', 0]), { message: "ERR invalid expire time in 'set' command" })
    await t.rejects(store.command('set', [key('a'), 'v', 'PX', 'soon']), { message: 'ERR value is not an integer or out of range' })
    await t.rejects(store.command('set', [key('a'), 'v', 'NX', 'XX']), { message: 'ERR syntax error' })
    await t.rejects(store.command('set', [key('a'), 'v', 'EX', 10, 'KEEPTTL']), { message: 'ERR syntax error' })
  })

  test('a key with a short PX TTL expires on time', async (t, { store, key }) => {
    // Read in the same script as the SET, so no slow machine can let the 100 ms pass between writing and reading.
    const atOnce = freshScript("redis.call('set', KEYS[1], 'v', 'PX', 100) return { redis.call('get', KEYS[1]), redis.call('pttl', KEYS[1]) }")
    const [value, pttl] = await store.eval(atOnce, [key('atomic')], []) as [string, number]
    t.equal(value, 'v', 'readable within its TTL')
    t.ok(pttl > 0 && pttl <= 100, `the TTL counts milliseconds (PTTL ${pttl})`)
    const started = performance.now()
    await store.command('set', [key('short'), 'v', 'PX', 100])
    t.ok(await waitFor(async () => await store.command('get', [key('short')]) === null, 10_000), 'the key goes away')
    // A lower bound, which a loaded machine can only make longer: no budget to race.
    t.ok(performance.now() - started >= 95, 'not before its TTL')
    t.equal(await store.command('exists', [key('short')]), 0)
    t.equal(await store.command('pttl', [key('short')]), -2)
  })

  test('EXPIRE, PEXPIRE, PEXPIREAT and PERSIST; TTL rounds to the nearest second', async (t, { store, key }) => {
    t.equal(await store.command('expire', [key('none'), 10]), 0, 'no key, no TTL')
    await store.command('set', [key('k'), 'v'])
    t.equal(await store.command('pexpire', [key('k'), 1499]), 1)
    t.equal(await store.command('ttl', [key('k')]), 1)
    t.equal(await store.command('pexpire', [key('k'), 60_000]), 1)
    t.equal(await store.command('ttl', [key('k')]), 60)
    t.equal(await store.command('expire', [key('k'), 10, 'GT']), 0, 'GT refuses a shorter TTL')
    t.equal(await store.command('expire', [key('k'), 10, 'NX']), 0, 'NX refuses when a TTL exists')
    t.equal(await store.command('persist', [key('k')]), 1)
    t.equal(await store.command('persist', [key('k')]), 0)
    t.equal(await store.command('ttl', [key('k')]), -1)
    t.equal(await store.command('pexpireat', [key('k'), Date.now() - 1000]), 1, 'a time in the past deletes')
    t.equal(await store.command('exists', [key('k')]), 0)
    await store.command('set', [key('k'), 'v'])
    t.equal(await store.command('expire', [key('k'), -1]), 1)
    t.equal(await store.command('get', [key('k')]), null)
    await t.rejects(store.command('expire', [key('k'), '1.5']), { message: 'ERR value is not an integer or out of range' })
  })

  test('INCR, INCRBY and DECRBY count in 64 bits, keep the TTL and refuse non-integers', async (t, { store, key }) => {
    t.equal(await store.command('incr', [key('n')]), 1)
    t.equal(await store.command('incrby', [key('n'), 41]), 42)
    t.equal(await store.command('decrby', [key('n'), 50]), -8)
    await store.command('pexpire', [key('n'), 60_000])
    t.equal(await store.command('incr', [key('n')]), -7)
    t.ok(await store.command('pttl', [key('n')]) as number > 0, 'INCR keeps the TTL')
    await store.command('set', [key('big'), '9223372036854775806'])
    t.equal(await store.command('incr', [key('big')]), 2 ** 63, 'the reply is a JS number (rounded)')
    t.equal(await store.command('get', [key('big')]), '9223372036854775807', 'stored exactly')
    await t.rejects(store.command('incr', [key('big')]), { message: 'ERR increment or decrement would overflow' })
    await store.command('set', [key('text'), 'abc'])
    await t.rejects(store.command('incr', [key('text')]), { message: 'ERR value is not an integer or out of range' })
    await t.rejects(store.command('incrby', [key('n'), '1.5']), { message: 'ERR value is not an integer or out of range' })
    await store.command('set', [key('spaced'), ' 1'])
    await t.rejects(store.command('incr', [key('spaced')]), { message: 'ERR value is not an integer or out of range' })
  })

  test('commands on the wrong type fail with WRONGTYPE; TYPE names each kind', async (t, { store, key }) => {
    await store.command('set', [key('s'), 'v'])
    await store.command('hset', [key('h'), 'f', 'v'])
    await store.command('sadd', [key('set'), 'm'])
    await store.command('zadd', [key('z'), 1, 'm'])
    await store.command('xadd', [key('x'), '*', 'f', 'v'])
    const types = []
    for (const name of ['s', 'h', 'set', 'z', 'x', 'none']) types.push(await store.command('type', [key(name)]))
    t.same(types, ['string', 'hash', 'set', 'zset', 'stream', 'none'])
    await t.rejects(store.command('get', [key('h')]), { message: WRONGTYPE })
    await t.rejects(store.command('hget', [key('s'), 'f']), { message: WRONGTYPE })
    await t.rejects(store.command('sadd', [key('z'), 'm']), { message: WRONGTYPE })
    await t.rejects(store.command('zadd', [key('set'), 1, 'm']), { message: WRONGTYPE })
    await t.rejects(store.command('xadd', [key('s'), '*', 'f', 'v']), { message: WRONGTYPE })
    await t.rejects(store.command('incr', [key('h')]), { message: WRONGTYPE })
    t.same(await store.command('mget', [key('s'), key('h'), key('none')]), ['v', null, null], 'MGET answers nil for other types')
  })

  test('unknown commands and wrong arity are refused', async (t, { store, key }) => {
    await t.rejects(store.command('nosuchcommand', [key('a')]), { message: /^ERR unknown command 'nosuchcommand'/ })
    await exceptOnCluster(t, store, 'a keyless GET', "ioredis' Cluster client fails on a keyless GET before sending it (it cannot pick a slot)",
      async t => await t.rejects(store.command('get', []), { message: "ERR wrong number of arguments for 'get' command" }))
    await t.rejects(store.command('hset', [key('h'), 'f']), { message: "ERR wrong number of arguments for 'hset' command" })
    await t.rejects(store.command('hset', [key('h'), 'f', 'v', 'g']), { message: "ERR wrong number of arguments for 'hset' command" })
  })

  test('DEL and EXISTS take several keys; PING answers PONG; ping() resolves', async (t, { store, key }) => {
    await store.command('set', [key('a'), '1'])
    await store.command('hset', [key('b'), 'f', '1'])
    t.equal(await store.command('exists', [key('a'), key('a'), key('b'), key('c')]), 3, 'each name counts')
    t.equal(await store.command('del', [key('a'), key('b'), key('c')]), 2)
    t.equal(await store.command('exists', [key('a'), key('b')]), 0)
    t.equal(await store.command('ping', []), 'PONG')
    await t.resolves(store.ping())
  })

  test('HSET, HINCRBY, HGETALL, HMGET, HDEL and HLEN', async (t, { store, key }) => {
    t.equal(await store.command('hset', [key('h'), 'price', '1499', 'currency', 'INR']), 2)
    t.equal(await store.command('hset', [key('h'), 'price', '1599', 'stock', '10']), 1, 'counts new fields only')
    t.equal(await store.command('hsetnx', [key('h'), 'price', '1']), 0)
    t.equal(await store.command('hincrby', [key('h'), 'stock', -3]), 7)
    t.equal(await store.command('hincrby', [key('h'), 'reserved', 3]), 3, 'a missing field counts from 0')
    const all = await store.command('hgetall', [key('h')]) as string[]
    t.equal(all.length, 8, 'HGETALL is a flat field/value array')
    t.same(Object.fromEntries(pairs(all)), { price: '1599', currency: 'INR', stock: '7', reserved: '3' })
    t.same(await store.command('hmget', [key('h'), 'price', 'nope', 'stock']), ['1599', null, '7'])
    t.equal(await store.command('hexists', [key('h'), 'currency']), 1)
    t.equal(await store.command('hdel', [key('h'), 'currency', 'nope']), 1)
    t.equal(await store.command('hlen', [key('h')]), 3)
    await t.rejects(store.command('hincrby', [key('h'), 'price', 'x']), { message: 'ERR value is not an integer or out of range' })
    await store.command('hset', [key('h'), 'name', 'tee'])
    await t.rejects(store.command('hincrby', [key('h'), 'name', 1]), { message: 'ERR hash value is not an integer' })
    t.equal(await store.command('hdel', [key('h'), 'price', 'stock', 'reserved', 'name']), 4)
    t.equal(await store.command('exists', [key('h')]), 0, 'an emptied hash disappears')
    t.same(await store.command('hgetall', [key('h')]), [])
  })

  test('SADD, SREM, SMEMBERS, SISMEMBER and SCARD; an emptied set disappears', async (t, { store, key }) => {
    t.equal(await store.command('sadd', [key('s'), 'b', 'a', 'c', 'a']), 3)
    t.equal(await store.command('sadd', [key('s'), 'a', 'd']), 1)
    t.same((await store.command('smembers', [key('s')]) as string[]).sort(), ['a', 'b', 'c', 'd'])
    t.equal(await store.command('sismember', [key('s'), 'c']), 1)
    t.equal(await store.command('sismember', [key('s'), 'z']), 0)
    t.equal(await store.command('scard', [key('s')]), 4)
    t.equal(await store.command('srem', [key('s'), 'a', 'z']), 1)
    t.equal(await store.command('srem', [key('s'), 'b', 'c', 'd']), 3)
    t.equal(await store.command('exists', [key('s')]), 0)
    t.same(await store.command('smembers', [key('s')]), [])
    t.equal(await store.command('scard', [key('s')]), 0)
  })

  test('ZADD, ZSCORE, ZRANGEBYSCORE with bounds and LIMIT, ZRANGE by index, ZREM', async (t, { store, key }) => {
    t.equal(await store.command('zadd', [key('z'), 3, 'c', 1, 'a', 2, 'b', 2, 'bb', 1.5, 'ab']), 5)
    t.equal(await store.command('zadd', [key('z'), 'NX', 10, 'a', 4, 'd']), 1, 'NX adds only new members')
    t.equal(await store.command('zadd', [key('z'), 'XX', 5, 'd', 9, 'e']), 0, 'XX updates only existing ones')
    t.equal(await store.command('zadd', [key('z'), 'CH', 6, 'd', 7, 'f']), 2, 'CH counts changed and added')
    t.equal(await store.command('zscore', [key('z'), 'a']), '1')
    t.equal(await store.command('zscore', [key('z'), 'ab']), '1.5')
    t.equal(await store.command('zscore', [key('z'), 'e']), null)
    t.equal(await store.command('zcard', [key('z')]), 7)
    t.same(await store.command('zrangebyscore', [key('z'), '-inf', '+inf']), ['a', 'ab', 'b', 'bb', 'c', 'd', 'f'])
    t.same(await store.command('zrangebyscore', [key('z'), '(1', '3']), ['ab', 'b', 'bb', 'c'])
    t.same(await store.command('zrangebyscore', [key('z'), '(1', '(3', 'WITHSCORES']), ['ab', '1.5', 'b', '2', 'bb', '2'])
    t.same(await store.command('zrangebyscore', [key('z'), '-inf', '+inf', 'LIMIT', 1, 2]), ['ab', 'b'])
    t.same(await store.command('zrangebyscore', [key('z'), 2, '+inf', 'WITHSCORES', 'LIMIT', 0, -1]),
      ['b', '2', 'bb', '2', 'c', '3', 'd', '6', 'f', '7'])
    t.same(await store.command('zrangebyscore', [key('z'), 100, '+inf']), [])
    t.same(await store.command('zrange', [key('z'), 0, 1]), ['a', 'ab'])
    t.same(await store.command('zrange', [key('z'), -2, -1, 'WITHSCORES']), ['d', '6', 'f', '7'])
    t.same(await store.command('zrange', [key('z'), 5, 100]), ['d', 'f'])
    t.same(await store.command('zrange', [key('z'), 3, 1]), [])
    t.equal(await store.command('zrem', [key('z'), 'a', 'nope']), 1)
    t.equal(await store.command('zadd', [key('z'), '-inf', 'low']), 1)
    t.equal(await store.command('zscore', [key('z'), 'low']), '-inf')
    await t.rejects(store.command('zadd', [key('z'), 'high', 'm']), { message: 'ERR value is not a valid float' })
    await t.rejects(store.command('zrangebyscore', [key('z'), 'low', 1]), { message: 'ERR min or max is not a float' })
    await t.rejects(store.command('zadd', [key('z'), 'NX', 1]), { message: 'ERR syntax error' })
  })

  test('XADD trims with MAXLEN, XRANGE reads in id order with COUNT, XLEN and XTRIM', async (t, { store, key }) => {
    const ids: string[] = []
    for (let i = 1; i <= 5; i++) {
      ids.push(await store.command('xadd', [key('audit'), 'MAXLEN', '=', 3, '*', 'event', `e${i}`, 'n', i]) as string)
    }
    for (const id of ids) t.match(id, /^\d+-\d+$/)
    t.ok(ids.every((id, i) => i === 0 || compareIds(ids[i - 1], id) < 0), 'ids increase')
    t.equal(await store.command('xlen', [key('audit')]), 3)
    t.same(await store.command('xrange', [key('audit'), '-', '+']), [
      [ids[2], ['event', 'e3', 'n', '3']],
      [ids[3], ['event', 'e4', 'n', '4']],
      [ids[4], ['event', 'e5', 'n', '5']]
    ])
    t.same(await store.command('xrange', [key('audit'), '-', '+', 'COUNT', 2]), [
      [ids[2], ['event', 'e3', 'n', '3']],
      [ids[3], ['event', 'e4', 'n', '4']]
    ])
    t.same(await store.command('xrange', [key('audit'), `(${ids[3]}`, '+']), [[ids[4], ['event', 'e5', 'n', '5']]])
    t.same(await store.command('xrevrange', [key('audit'), '+', '-', 'COUNT', 1]), [[ids[4], ['event', 'e5', 'n', '5']]])
    t.equal(await store.command('xtrim', [key('audit'), 'MAXLEN', 1]), 2)
    t.equal(await store.command('xlen', [key('audit')]), 1)
    t.equal(await store.command('xtrim', [key('audit'), 'MAXLEN', 0]), 1)
    t.equal(await store.command('type', [key('audit')]), 'stream', 'an emptied stream stays')
    await t.rejects(store.command('xadd', [key('audit'), ids[0], 'f', 'v']),
      { message: 'ERR The ID specified in XADD is equal or smaller than the target stream top item' })
    t.same(await store.command('xrange', [key('missing'), '-', '+']), [])
    t.equal(await store.command('xlen', [key('missing')]), 0)
    for (let i = 0; i < 20; i++) await store.command('xadd', [key('approx'), 'MAXLEN', '~', 5, '*', 'n', i])
    t.ok(await store.command('xlen', [key('approx')]) as number >= 5, 'MAXLEN ~ keeps at least the threshold')
  })

  test('values expire independently of each other and of reads', async (t, { store, key }) => {
    await store.command('set', [key('fast'), 'v', 'PX', 60])
    await store.command('set', [key('slow'), 'v', 'PX', 600_000])
    t.ok(await waitFor(async () => await store.command('exists', [key('fast')]) === 0, 10_000), 'the fast one expires')
    t.same(await store.command('mget', [key('fast'), key('slow')]), [null, 'v'])
  })
}

function pairs (flat: string[]): Array<[string, string]> {
  const result: Array<[string, string]> = []
  for (let i = 0; i < flat.length; i += 2) result.push([flat[i], flat[i + 1]])
  return result
}

function compareIds (a: string, b: string): number {
  const [aMs, aSeq] = a.split('-').map(BigInt)
  const [bMs, bSeq] = b.split('-').map(BigInt)
  return aMs === bMs ? Number(aSeq - bSeq) : Number(aMs - bMs)
}
