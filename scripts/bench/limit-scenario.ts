// The cost of RATE_LIMIT_SHARED=true: replays (the cheapest request, so the limiter's share shows most) against the
// default instance, whose limits are counted in memory, and against one counting them in Redis, in the same rounds.
import { expectReplayOf, orderBody, requestHeaders, resetStore, seedReplay } from './fixture.js'
import type { Target } from './load.js'
import { alternate, ratio, summarize, type ScenarioContext, type TargetSummary } from './rounds.js'
import type { Figure } from './stats.js'

export interface SharedLimitResult {
  description: string
  targets: { local: TargetSummary, shared: TargetSummary }
  /** shared req/s ÷ local req/s, per round. */
  ratio: Figure
}

export async function sharedLimitScenario (ctx: ScenarioContext): Promise<SharedLimitResult> {
  const { fixture } = ctx
  await resetStore(fixture)
  const seed = await seedReplay(fixture, 'shared-limit-seed')
  await expectReplayOf(seed, fixture.serviceSharedLimit)
  const headers = { ...requestHeaders, 'idempotency-key': seed.key }
  const targets: Target[] = [
    { name: 'local', process: fixture.service, headers, body: orderBody },
    { name: 'shared', process: fixture.serviceSharedLimit, headers, body: orderBody }
  ]
  const runs = await alternate(ctx, 'shared limit', targets)
  return {
    description: 'replays (local cache on) with the rate limits counted in memory (default) and in Redis (RATE_LIMIT_SHARED=true: ' +
      'one read of the failed-authentication count and one increment of the request count per request)',
    targets: { local: summarize(runs.get('local') ?? []), shared: summarize(runs.get('shared') ?? []) },
    ratio: ratio(runs, 'shared', 'local')
  }
}
