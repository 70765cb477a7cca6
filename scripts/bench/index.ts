// `npm run bench`: builds the service, starts Redis, the emulator, the service (production mode, with variants), its
// baselines and peers as separate processes, runs the scenarios, and writes the table, bench/results.json and the docs.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { startFixture, type Fixture } from './fixture.js'
import { parseOptions, type ScenarioName } from './options.js'
import { buildService, ProcessGroup, stopOnSignals } from './processes.js'
import { concernSplits, profileFiles, renderConcernSplits, summarizeProfile, windowsFile, type ProfileWindow } from './profile.js'
import { redisVersion } from './redis-stats.js'
import { checkGoals, machine, renderTable, updateDocs, writeResults, type Results } from './report.js'
import type { ScenarioContext } from './rounds.js'
import { footprintScenario } from './footprint-scenario.js'
import { duplicatesScenario, firstRequestScenario, replayScenario } from './scenarios.js'
import { sharedLimitScenario } from './limit-scenario.js'
import { memoryScenario, redisCostScenario, scaleScenario } from './store-scenarios.js'

const scenarios: Record<ScenarioName, (ctx: ScenarioContext) => Promise<unknown>> = {
  replay: replayScenario,
  'first-request': firstRequestScenario,
  duplicates: duplicatesScenario,
  'redis-cost': redisCostScenario,
  memory: memoryScenario,
  scale: scaleScenario,
  'shared-limit': sharedLimitScenario,
  footprint: footprintScenario
}

const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`) }

async function main (): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  const started = performance.now()
  const group = new ProcessGroup(options.runner, options.profileDir, log)
  stopOnSignals(group, options.keepLogs)
  let fixture: Fixture | undefined
  let results: Results
  let failed = true
  // With --profile, every measured run, so that the profiles can be cut to them (profile.ts).
  const profileWindows: ProfileWindow[] | undefined = options.profileDir === undefined ? undefined : []
  try {
    if (options.build) {
      log('npm run build')
      buildService()
    }
    fixture = await startFixture(group, options)
    const ctx: ScenarioContext = { fixture, options, log, ...(profileWindows === undefined ? {} : { profileWindows }) }
    const done: Results['scenarios'] = {}
    for (const name of options.scenarios) {
      log(`scenario ${name}`)
      done[name] = await scenarios[name](ctx)
    }
    results = {
      benchmark: 'payment-service create-order',
      date: new Date().toISOString(),
      durationSeconds: Math.round((performance.now() - started) / 1000),
      machine: machine(),
      node: process.version,
      redis: await redisVersion(fixture.redis),
      settings: {
        durationSeconds: options.duration,
        warmupSeconds: options.warmup,
        rounds: options.rounds,
        connections: options.connections,
        burstSize: options.burstSize,
        burstConcurrency: options.burstConcurrency,
        scaleRecords: options.scaleKeys,
        monitorSamples: options.monitorSamples,
        logLevel: options.logLevel,
        logSink: 'each process writes its log to a file',
        runner: options.runner === 'dist' ? 'node dist/src/server.js (npm run build)' : 'node --import tsx src/server.ts',
        processes: 'load generator (autocannon, this process), service x4 (default; local cache off; rate limits in Redis; risk rules off), ' +
          'baseline x2, peer x2 (@node-idempotency/core), emulator, redis-server: each its own process',
        serviceEnv: fixture.serviceEnv
      },
      scenarios: done,
      goals: checkGoals(done)
    }
    failed = false
  } finally {
    await fixture?.close()
    // A failed run keeps the children's logs: they say why.
    await group.stopAll(options.keepLogs || failed)
  }
  // The services write their profiles as they exit: only now can they be cut into the measured runs.
  if (options.profileDir !== undefined && profileWindows !== undefined) {
    mkdirSync(options.profileDir, { recursive: true })
    writeFileSync(join(options.profileDir, windowsFile), JSON.stringify(profileWindows, null, 2) + '\n')
    results.profile = { directory: options.profileDir, concerns: concernSplits(profileFiles(options.profileDir), profileWindows) }
  }
  writeResults(options.out, results)
  process.stdout.write('\n' + renderTable(results))
  log(`results written to ${options.out}`)
  if (options.docs !== undefined) {
    if (updateDocs(options.docs, results, options)) log(`results block of ${options.docs} updated`)
    else log(`${options.docs} has no results block (<!-- bench-results:start --> … end): not updated`)
  }
  if (options.profileDir !== undefined) {
    for (const file of profileFiles(options.profileDir)) {
      const summary = summarizeProfile(file)
      writeFileSync(join(file.replace(/\.cpuprofile$/, '.summary.txt')), summary + '\n')
      process.stdout.write('\n' + summary + '\n')
    }
    // Every scenario's runs (the table above has replay and first request only).
    const concerns = ['self time by concern per request, every measured run', ...renderConcernSplits(results.profile?.concerns ?? [])].join('\n')
    writeFileSync(join(options.profileDir, 'concerns.txt'), concerns + '\n')
    process.stdout.write('\n' + concerns + '\n')
  }
}

// Exits explicitly: a connection some library keeps retrying must not keep a finished bench alive.
main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
