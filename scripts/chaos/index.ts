// `npm run chaos`: the chaos scenarios at size. Prints the figures of each run and exits non-zero on any
// invariant violation. Options: --requests N (default 100000), --instances N (3), --concurrency N (48),
// --runs N (1), --seed N, --runner dist|tsx (dist: builds first), --quiet.
import { parseArgs } from 'node:util'
import { buildService } from '../bench/processes.js'
import { runScenario, type ScenarioReport } from './scenario.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    instances: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '48' },
    runs: { type: 'string', default: '1' },
    seed: { type: 'string' },
    runner: { type: 'string', default: 'dist' },
    quiet: { type: 'boolean', default: false }
  }
})
const runner = values.runner === 'tsx' ? 'tsx' : 'dist'
if (runner === 'dist') buildService()
const log = values.quiet === true ? () => {} : (line: string) => console.error(`[chaos ${new Date().toISOString()}] ${line}`)

const reports: ScenarioReport[] = []
for (let run = 1; run <= Number(values.runs); run++) {
  const seed = values.seed !== undefined ? Number(values.seed) + run - 1 : Math.floor(Math.random() * 2 ** 31)
  const report = await runScenario({
    name: `run ${run}`,
    requests: Number(values.requests),
    concurrency: Number(values.concurrency),
    instances: Number(values.instances),
    seed,
    runner,
    faults: { provider: true, redisKills: true, instanceKills: true, gracefulStop: true },
    faultEveryMs: 6000,
    log
  })
  reports.push(report)
  console.log(JSON.stringify(report, null, 2))
}
const failed = reports.filter(r => r.violations.length > 0)
console.log(`${reports.length} runs, ${failed.length} with invariant violations`)
process.exit(failed.length > 0 ? 1 : 0)
