// Exporting the capped audit stream: each entry once, in order, resumed from the saved cursor; a cursor the stream
// has trimmed past is reported as a gap; the CLI exits 2 on it.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { Redis } from 'ioredis'
import { AuditLog, auditStream } from '../src/audit/audit-log.js'
import { exportAudit } from '../src/audit/audit-export.js'
import { RedisStore } from '../src/store/redis-store.js'
import { redisServer } from './helper.js'

const silent = { error: () => {} }

t.test('exports every entry once across runs, and reports entries trimmed before export', async t => {
  const redis = await redisServer(t)
  const client = new Redis(redis.url)
  t.teardown(async () => { await client.quit().catch(() => client.disconnect()) })
  const store = new RedisStore(client)
  const audit = new AuditLog(store, silent)
  const dir = mkdtempSync(join(tmpdir(), 'audit-export-'))
  const options = { out: join(dir, 'audit.ndjson'), cursorFile: join(dir, 'cursor'), batchSize: 2 }
  const lines = (): Array<Record<string, string>> => readFileSync(options.out, 'utf8').trim().split('\n').map(line => JSON.parse(line))

  for (let i = 0; i < 5; i++) await audit.record({ type: 'order_created', orderId: `order_${i}`, amount: 100 + i })
  t.match(await exportAudit(store, options), { exported: 5, gap: false })
  t.same(lines().map(line => line.orderId), ['order_0', 'order_1', 'order_2', 'order_3', 'order_4'])
  t.match(lines()[0], { type: 'order_created', amount: '100', at: /^\d{4}-/ })
  t.match(await exportAudit(store, options), { exported: 0, gap: false }, 'nothing new: nothing appended')

  await audit.record({ type: 'payment_verified', orderId: 'order_5' })
  t.match(await exportAudit(store, options), { exported: 1 })
  t.same(lines().map(line => line.orderId), ['order_0', 'order_1', 'order_2', 'order_3', 'order_4', 'order_5'])
  t.equal(new Set(lines().map(line => line.id)).size, 6, 'each line carries its stream id, once')

  // The stream moves past the cursor by more than it keeps before the next export.
  for (let i = 6; i < 10; i++) await audit.record({ type: 'order_created', orderId: `order_${i}` })
  await client.xtrim(auditStream, 'MAXLEN', 2)
  t.match(await exportAudit(store, options), { exported: 2, gap: true }, 'a gap is reported, what is left is exported')

  const cli = promisify(execFile)('node', ['--import=tsx', 'scripts/export-audit.ts', '--out', options.out, '--cursor', join(dir, 'fresh-cursor')],
    { env: { ...process.env, REDIS_URL: redis.url } })
  const { stdout } = await cli
  t.match(JSON.parse(stdout), { exported: 2, gap: false }, 'the CLI exports from the start with a new cursor')
  await client.xtrim(auditStream, 'MAXLEN', 0)
  await audit.record({ type: 'order_created', orderId: 'order_10' })
  const failed = await promisify(execFile)('node', ['--import=tsx', 'scripts/export-audit.ts', '--out', options.out, '--cursor', join(dir, 'fresh-cursor')],
    { env: { ...process.env, REDIS_URL: redis.url } }).then(() => 0, (err: { code: number }) => err.code)
  t.equal(failed, 2, 'and exits 2 on a gap')
})
