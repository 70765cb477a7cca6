// `npm run export-audit -- --out audit.ndjson --cursor audit.cursor`: appends the audit entries exported since the last
// run to a file (docs/PAYMENT_SECURITY.md, "The audit trail"). Run it from cron or a sidecar, often enough that the
// capped stream never trims what it has not exported; it exits 2 when it finds such a gap.
import { parseArgs } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { exportAudit } from '../src/audit/audit-export.js'
import { parseClusterNodes } from '../src/config.js'
import { RedisStore } from '../src/store/redis-store.js'

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    cursor: { type: 'string' },
    batch: { type: 'string', default: '1000' }
  }
})
const { REDIS_URL, REDIS_CLUSTER_NODES } = process.env
if (values.out === undefined || values.cursor === undefined || (REDIS_URL === undefined && REDIS_CLUSTER_NODES === undefined)) {
  process.stderr.write('usage: REDIS_URL=… npm run export-audit -- --out <file.ndjson> --cursor <cursor file> [--batch 1000]\n')
  process.exit(1)
}
const client = REDIS_CLUSTER_NODES !== undefined ? new Cluster(parseClusterNodes(REDIS_CLUSTER_NODES)) : new Redis(REDIS_URL as string)
try {
  const result = await exportAudit(new RedisStore(client), { out: values.out, cursorFile: values.cursor, batchSize: Number(values.batch) })
  process.stdout.write(`${JSON.stringify(result)}\n`)
  if (result.gap) {
    process.stderr.write('audit entries were trimmed before they were exported: export more often\n')
    process.exitCode = 2
  }
} finally {
  await client.quit()
}
