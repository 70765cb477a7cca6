// The fast tier of the chaos suite: small scenarios against real processes (three service instances on one Redis
// with an append-only file, the emulator), each ending with the invariant checker. `npm run chaos` runs them at size.
import type { Test } from 'tap'
import { runScenario, type ScenarioOptions } from '../../scripts/chaos/scenario.js'

export const noFaults = { provider: false, redisKills: false, instanceKills: false, gracefulStop: false }

export function chaosScenario (t: Test, name: string, faults: ScenarioOptions['faults'], requests = 600, faultEveryMs = 1500): void {
  t.test(`${name}: no invariant is violated`, async t => {
    const report = await runScenario({
      name, faults, requests, concurrency: 16, instances: 3, seed: 20261129, runner: 'tsx', faultEveryMs, settleMs: 4000, log: () => {}
    })
    t.same(report.violations, [], 'invariant violations')
    t.ok(report.requests >= requests, `${report.requests} requests`)
    t.ok(report.duplicates > 0, `${report.duplicates} duplicates`)
    t.ok(report.paid > 0, `${report.paid} orders paid`)
    if (faults.provider) t.ok(report.faultsInjected > 0, 'faults were injected')
    if (faults.redisKills) t.ok(report.redisKills > 0 && (report.statuses['503'] ?? 0) > 0, 'Redis died, and requests failed closed with 503')
    if (faults.instanceKills) t.ok(report.sigkills > 0, 'an instance was killed')
    if (faults.gracefulStop) t.ok(report.gracefulStops > 0, 'an instance stopped gracefully under load')
  })
}
