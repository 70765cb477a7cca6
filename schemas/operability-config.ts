// What the service does about its dependencies' health and its own load: the Redis checks, Razorpay reachability in
// readiness, and load shedding (@fastify/under-pressure). docs/OPERATIONS.md explains each default.
import Type from 'typebox'

const Mode = (description: string) =>
  Type.Union([Type.Literal('warn'), Type.Literal('strict')], { default: 'warn', description })

const Limit = (maximum: number, defaultValue: number, description: string) =>
  Type.Integer({ minimum: 0, maximum, default: defaultValue, description })

export const OperabilityConfigProperties = {
  REDIS_CHECKS: Mode('warn: a Redis without AOF or with an evicting policy is logged and measured; strict: readiness also fails'),
  REDIS_CHECK_INTERVAL_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 15, description: 'how often Redis INFO is sampled and checked' }),
  RAZORPAY_CHECKS: Mode('warn: readiness reports Razorpay unreachable; strict: readiness fails once it is unreachable for RAZORPAY_UNREACHABLE_SECONDS'),
  RAZORPAY_UNREACHABLE_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'how long every Razorpay call must fail before strict readiness fails' }),
  RAZORPAY_PROBE_INTERVAL_SECONDS: Limit(3600, 30, 'how often an idle instance checks Razorpay with a cheap GET (0: never)'),
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: Limit(60_000, 1000, 'mean event-loop delay above which requests get 503 (0: off)'),
  // Unset: 90% of V8's heap limit (plugins/load-shedding.ts); 0: off.
  LOAD_SHED_MAX_HEAP_USED_BYTES: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_099_511_627_776, description: 'heap use above which requests get 503 (0: off)' })),
  LOAD_SHED_MAX_RSS_BYTES: Limit(1_099_511_627_776, 0, 'resident memory above which requests get 503 (0: off)'),
  // Well above the delay monitor's 10 ms resolution: a sample with no delay measured in it reads as an infinite delay.
  LOAD_SHED_SAMPLE_INTERVAL_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 1000, description: 'how often the load is sampled' })
}
