// Contract tests for scripts and pub/sub: the service's script shapes, reply conversion both ways, errors,
// Lua 5.1 numbers, TIME, UTF-8 round trips, never-seen scripts and subscriptions.
import { createHash } from 'node:crypto'
import { ReplyError } from 'ioredis'
import type { ContractTest } from './contract-helpers.js'
import { exceptOnCluster, fixtureScript, freshScript, waitFor } from './contract-helpers.js'

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value'
const emoji = 'पेमेंट ✅ 👩🏽‍💻 🇮🇳'
const hindi = 'नमस्ते दुनिया'

export function scriptContract (test: ContractTest): void {
  test('the compare-and-delete script releases a lock only for its owner', async (t, { store, key }) => {
    const release = fixtureScript('compare-and-delete')
    await store.command('set', [key('lock'), 'owner-1', 'PX', 10_000])
    t.equal(await store.eval(release, [key('lock')], ['owner-2']), 0)
    t.equal(await store.command('get', [key('lock')]), 'owner-1')
    t.equal(await store.eval(release, [key('lock')], ['owner-1']), 1)
    t.equal(await store.command('exists', [key('lock')]), 0)
    t.equal(await store.eval(release, [key('lock')], ['owner-1']), 0, 'releasing twice is harmless')
  })

  test('the compare-and-set script publishes the new value to subscribers', async (t, { store, key }) => {
    const script = fixtureScript('compare-and-set-publish')
    const channel = key('state-changes')
    const messages: string[] = []
    const unsubscribe = await store.subscribe(channel, message => messages.push(message))
    t.teardown(unsubscribe)
    await store.command('set', [key('order'), 'created'])
    t.equal(await store.eval(script, [key('order')], ['paid', 'refunded', channel]), 0, 'a stale expectation changes nothing')
    t.equal(await store.eval(script, [key('order')], ['created', 'paid', channel]), 1)
    t.equal(await store.command('get', [key('order')]), 'paid')
    // A marker published after it: messages on one channel arrive in order, so anything else the script published
    // would have arrived before the marker.
    await store.command('publish', [channel, 'marker'])
    t.ok(await waitFor(() => messages.includes('marker'), 10_000), 'the subscriber hears of it')
    t.same(messages, ['paid', 'marker'], 'once, and only for the change that happened')
  })

  test('Lua replies convert like Redis: numbers truncated, false is nil, true is 1, nil ends arrays', async (t, { store, key }) => {
    t.same(await store.eval(fixtureScript('mixed-reply'), [key('missing')], []),
      [1, 'two', 3, -3, null, 1, ['nested', [42, null], 0], 'STATUS', null])
    t.equal(await store.eval(freshScript('return 3.7'), [], []), 3)
    t.equal(await store.eval(freshScript('return -3.7'), [], []), -3)
    t.equal(await store.eval(freshScript('return nil'), [], []), null)
    t.equal(await store.eval(freshScript('return false'), [], []), null)
    t.equal(await store.eval(freshScript('return true'), [], []), 1)
    t.equal(await store.eval(freshScript("return { ok = 'QUEUED' }"), [], []), 'QUEUED')
    t.same(await store.eval(freshScript('return {}'), [], []), [])
    const nested = await store.eval(freshScript("return { 1, redis.error_reply('NESTED failure'), { ok = 'S' } }"), [], []) as unknown[]
    t.equal(nested.length, 3)
    t.ok(nested[1] instanceof ReplyError, 'a nested error stays an element, as ioredis hands it over')
    t.equal((nested[1] as Error).message, 'NESTED failure')
    t.equal(nested[2], 'S')
  })

  test('Redis replies reach Lua as Redis gives them: nil is false, status is {ok=}, integers are numbers', async (t, { store, key }) => {
    t.same(await store.eval(fixtureScript('reply-types'), [key('counter'), key('missing')], []),
      ['boolean', 'table', 'OK', 'number', '2', 'string', 'table', 0])
  })

  test('redis.call on the wrong type aborts the script with WRONGTYPE and keeps earlier writes', async (t, { store, key }) => {
    const script = fixtureScript('set-then-fail')
    await store.command('set', [key('string'), 'not a hash'])
    const err = await store.eval(script, [key('written'), key('string')], []).then(() => undefined, (err: Error) => err)
    t.ok(err instanceof Error, 'the call fails')
    t.equal(err?.message, `${WRONGTYPE} script: ${script.sha}, on @user_script:3.`)
    t.equal(await store.command('get', [key('written')]), 'written', 'scripts do not roll back')
  })

  test('redis.pcall hands the error to the script as {err=}; pcall(redis.call) catches it', async (t, { store, key }) => {
    await store.command('set', [key('string'), 'v'])
    t.same(await store.eval(fixtureScript('pcall-wrongtype'), [key('string')], []), ['table', WRONGTYPE, 'false'])
    await t.rejects(store.eval(freshScript("return redis.pcall('hget', KEYS[1], 'f')"), [key('string')], []), { message: WRONGTYPE },
      'returning the {err=} table fails the call with that error')
  })

  test('error replies and Lua errors fail the call with Redis wording', async (t, { store }) => {
    await t.rejects(store.eval(freshScript("return redis.error_reply('MY_CODE custom failure')"), [], []), { message: 'MY_CODE custom failure' })
    await t.rejects(store.eval(freshScript("return redis.error_reply('nocode')"), [], []), { message: 'ERR nocode' })
    await t.rejects(store.eval(freshScript("return { err = 'PLAIN failure' }"), [], []), { message: 'PLAIN failure' })
    t.equal(await store.eval(freshScript("return redis.status_reply('FINE')"), [], []), 'FINE')
    const boom = freshScript("error('boom')")
    await t.rejects(store.eval(boom, [], []), { message: `ERR user_script:2: boom script: ${boom.sha}, on @user_script:2.` })
    const coded = freshScript("error({ err = 'MY_CODE from a table' })")
    await t.rejects(store.eval(coded, [], []), { message: `MY_CODE from a table script: ${coded.sha}, on @user_script:2.` })
    await t.rejects(store.eval(freshScript('return +'), [], []), { message: /^ERR Error compiling script \(new function\): user_script:2: / })
  })

  test('scripts cannot create globals or read undefined ones', async (t, { store }) => {
    await t.rejects(store.eval(freshScript('leaked = 1'), [], []), { message: /^ERR user_script:2: Attempt to modify a readonly table script: / })
    await t.rejects(store.eval(freshScript('return undefined_name'), [], []),
      { message: /^ERR user_script:2: Script attempted to access nonexistent global variable 'undefined_name' script: / })
  })

  test('bad redis.call use fails like Redis: unknown command, arity, argument types', async (t, { store, key }) => {
    await t.rejects(store.eval(freshScript("return redis.call('nosuchcommand')"), [], []), { message: /^ERR Unknown Redis command called from script script: / })
    await t.rejects(store.eval(freshScript("return redis.call('get')"), [], []), { message: /^ERR Wrong number of args calling Redis command from script script: / })
    await t.rejects(store.eval(freshScript("return redis.call('set', KEYS[1], {})"), [key('k')], []),
      { message: /^ERR Lua redis lib command arguments must be strings or integers script: / })
    await t.rejects(store.eval(freshScript('return redis.call()'), [], []), { message: /^ERR Please specify at least one argument for this redis lib call script: / })
  })

  test('numbers in scripts follow Lua 5.1: doubles, no 32-bit wrap, integral values print without .0', async (t, { store, key }) => {
    t.same(await store.eval(fixtureScript('numbers'), [key('counter')], ['1700000000']), [
      1700000000000, '1700000000000', '5', '2.5', '1e+15', '9.007199254741e+15', '16', '1700000000000',
      '  2.2|00042|7  |', 2, '1:string', 'u1', 'u2'
    ])
    t.equal(await store.eval(freshScript("return redis.call('set', KEYS[1], 1.5) and redis.call('get', KEYS[1])"), [key('f')], []), '1.5',
      'numbers passed to redis.call become strings')
    t.equal(await store.eval(freshScript('return redis.sha1hex(ARGV[1])'), [], ['abc']), createHash('sha1').update('abc').digest('hex'))
    // C's printf, as Redis' Lua uses it: ties round to even, %g switches to exponents, tostring is %.14g
    const format = freshScript(`return {
      string.format('%5.1f|%.1f|%.2f|%.0f|%.0f|%g|%g|%e|%x|%5.2s', 2.25, 0.35, 1.005, 0.5, 1.5, 0.1, 1e20, 12345.678, 255, 'abc'),
      string.format('%.14g|%.17g|%10.3f|%-10.2f|%%|%+.3e|%G|%08.2f|%d', 0.1, 0.1, 3.14159, 2.5, -0.000123, 1e-10, -3.5, -7.9),
      tostring(100000000000000.5) .. ' ' .. tostring(1/3) .. ' ' .. tostring(123456789012345678) .. ' ' .. tostring(5e-324) .. ' ' .. 2^63
    }`)
    t.same(await store.eval(format, [], []), [
      '  2.2|0.3|1.00|0|2|0.1|1e+20|1.234568e+04|ff|   ab',
      '0.1|0.10000000000000001|     3.142|2.50      |%|-1.230e-04|1E-10|-0003.50|-7',
      '1e+14 0.33333333333333 1.2345678901235e+17 4.9406564584125e-324 9.2233720368548e+18'
    ])
  })

  test('Lua 5.1 library names scripts may use are there: unpack, loadstring, math.pow, table.getn', async (t, { store }) => {
    const script = freshScript("return { table.getn({ 1, 2, 3 }), math.pow(2, 10), loadstring('return 7')(), unpack({ 1, 2 }) }")
    t.same(await store.eval(script, [], []), [3, 1024, 7, 1, 2])
  })

  test('TIME answers seconds and microseconds as strings, also inside scripts', async (t, { store }) => {
    // Bracketed by the local clock read before and after (same machine, whole seconds): no budget to race.
    const before = Math.floor(Date.now() / 1000)
    const [seconds, micros] = await store.command('time', []) as string[]
    const [type, scriptSeconds, scriptMicros] = await store.eval(fixtureScript('time'), [], []) as string[]
    const after = Math.floor(Date.now() / 1000)
    t.match(seconds, /^\d+$/)
    t.match(micros, /^\d{1,6}$/)
    t.ok(Number(seconds) >= before && Number(seconds) <= after, `the local clock's seconds (${before} ≤ ${seconds} ≤ ${after})`)
    t.equal(type, 'string')
    t.ok(Number(scriptSeconds) >= Number(seconds) && Number(scriptSeconds) <= after, 'inside a script too, and later')
    t.match(scriptMicros, /^\d{1,6}$/)
  })

  test('UTF-8 text (emoji, Hindi) round-trips through commands, Lua and pub/sub byte for byte', async (t, { store, key }) => {
    await store.command('set', [key(hindi), emoji])
    t.equal(await store.command('get', [key(hindi)]), emoji)
    t.equal(await store.command('strlen', [key(hindi)]), Buffer.byteLength(emoji), 'lengths are in bytes')
    t.same(await store.eval(fixtureScript('unicode-echo'), [key('echo')], [emoji]),
      [emoji, Buffer.byteLength(emoji), `${emoji} | ${hindi} 🙏`])
    await store.command('hset', [key('h'), hindi, emoji])
    t.same(await store.command('hgetall', [key('h')]), [hindi, emoji])
    const id = await store.command('xadd', [key('x'), '*', 'payload', JSON.stringify({ note: emoji })])
    t.same(await store.command('xrange', [key('x'), '-', '+']), [[id, ['payload', JSON.stringify({ note: emoji })]]])
    const messages: string[] = []
    const unsubscribe = await store.subscribe(key(`channel ${hindi}`), message => messages.push(message))
    t.teardown(unsubscribe)
    await store.eval(freshScript("return redis.call('publish', KEYS[1], ARGV[1])"), [key(`channel ${hindi}`)], [emoji])
    t.ok(await waitFor(() => messages.length === 1))
    t.equal(messages[0], emoji)
    const binary = freshScript("redis.call('set', KEYS[1], string.char(0, 200, 255)) return string.len(redis.call('get', KEYS[1]))")
    t.equal(await store.eval(binary, [key('bytes')], []), 3, 'strings are bytes, not characters')
    t.equal(await store.command('strlen', [key('bytes')]), 3)
  })

  test('EVAL of a script the store never saw works; EVALSHA of an unknown sha is NOSCRIPT', async (t, { store, key }) => {
    const script = freshScript("return redis.call('incr', KEYS[1])")
    t.equal(await store.eval(script, [key('n')], []), 1)
    t.equal(await store.eval(script, [key('n')], []), 2, 'and again, from the cache')
    await t.rejects(store.command('evalsha', [freshScript('return 1').sha, 0]), { message: /^NOSCRIPT / })
    await exceptOnCluster(t, store, 'SCRIPT FLUSH, LOAD and EXISTS', 'SCRIPT goes to one random node of a Cluster', async t => {
      t.equal(await store.command('script', ['flush']), 'OK')
      t.equal(await store.eval(script, [key('n')], []), 3, 'after SCRIPT FLUSH too')
      const sha = await store.command('script', ['load', script.source])
      t.equal(sha, script.sha)
      t.equal(await store.command('evalsha', [script.sha, 1, key('n')]), 4)
      t.same(await store.command('script', ['exists', script.sha, freshScript('return 1').sha]), [1, 0])
    })
  })

  test('subscribe hears PUBLISH from commands and scripts; unsubscribing stops delivery', async (t, { store, key }) => {
    const channel = key('events')
    const first: string[] = []
    const second: string[] = []
    const stopFirst = await store.subscribe(channel, message => first.push(message))
    const stopSecond = await store.subscribe(channel, message => second.push(message))
    const clusterCount = 'PUBLISH on a Cluster counts only the subscribers of the node that received it'
    const published = await store.command('publish', [channel, 'one'])
    await exceptOnCluster(t, store, 'PUBLISH counts one subscribed connection', clusterCount, t => t.equal(published, 1))
    t.ok(await waitFor(() => first.length === 1 && second.length === 1), 'both listeners hear it')
    await store.eval(freshScript("return redis.call('publish', KEYS[1], 'two')"), [channel], [])
    t.ok(await waitFor(() => first.length === 2 && second.length === 2), 'a publish from a script is heard too')
    await stopFirst()
    await store.command('publish', [channel, 'three'])
    t.ok(await waitFor(() => second.length === 3))
    await stopSecond()
    await stopSecond()
    const afterwards = await store.command('publish', [channel, 'four'])
    await exceptOnCluster(t, store, 'PUBLISH counts nobody any more', clusterCount, t => t.equal(afterwards, 0))
    // A new listener and a marker after 'four': had 'four' been delivered to the old listeners, it would have been
    // before the marker reached the new one.
    const third: string[] = []
    const stopThird = await store.subscribe(channel, message => third.push(message))
    t.teardown(stopThird)
    await store.command('publish', [channel, 'five'])
    t.ok(await waitFor(() => third.includes('five'), 10_000), 'the marker arrives')
    t.same(first, ['one', 'two'])
    t.same(second, ['one', 'two', 'three'])
  })
}
