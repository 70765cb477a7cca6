// The service's configuration: every environment variable of CONTRACT.md, validated at start.
import Type, { type Static } from 'typebox'
import { OperabilityConfigProperties } from './operability-config.js'
import { RiskConfigProperties } from './risk-config.js'

const Seconds = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 31_536_000, default: defaultValue, description })

/** A bearer token: printable ASCII without the comma that separates list entries. */
const token = '[\\x21-\\x2b\\x2d-\\x7e]+'

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 4000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DOCS_PUBLIC: Type.Boolean({ default: false }),
  TRUST_PROXY: Type.Optional(Type.String({
    pattern: '^(true|false|\\d{1,2}|[0-9A-Za-z.:/]+(,[0-9A-Za-z.:/]+)*)$',
    description: 'true, false, a hop count, or comma-separated addresses or CIDR ranges of the proxies'
  })),
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
    { default: 'development' }),
  LOG_LEVEL: Type.Union([
    Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'),
    Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')
  ], { default: 'info' }),

  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://', description: 'redis:// or rediss:// URL' })),
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({
    pattern: '^[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*$',
    description: 'comma-separated host:port seeds'
  })),
  REDIS_SENTINELS: Type.Optional(Type.String({
    pattern: '^[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*$',
    description: 'comma-separated host:port of Redis Sentinels'
  })),
  REDIS_SENTINEL_MASTER: Type.String({ minLength: 1, maxLength: 128, default: 'mymaster', description: 'the master name the Sentinels monitor' }),

  RAZORPAY_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  RAZORPAY_KEY_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  RAZORPAY_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  RAZORPAY_API_URL: Type.String({ pattern: '^https?://[^\\s/]+(:\\d+)?/?$', default: 'https://api.razorpay.com' }),
  RAZORPAY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  // Unset: the bundled emulator's stand-in when it runs, Razorpay's own script otherwise.
  RAZORPAY_CHECKOUT_SCRIPT_URL: Type.Optional(Type.String({
    pattern: '^https?://[^\\s/]+(:\\d+)?/[^\\s]*$',
    description: "the URL of Razorpay Checkout's script the demo page loads"
  })),
  // No schema default: loadConfig resolves it from NODE_ENV (off in production).
  DEMO_PAGE: Type.Optional(Type.Boolean()),

  API_KEYS: Type.Optional(Type.String({
    pattern: `^[A-Za-z0-9_.-]+:${token}(,[A-Za-z0-9_.-]+:${token})*$`,
    description: 'comma-separated clientId:token pairs (tokens of printable characters, no comma)'
  })),
  // Two tokens at once let the admin rotate: add the new one, switch the callers, drop the old one.
  ADMIN_TOKEN: Type.Optional(Type.String({
    pattern: `^${token}(,${token})?$`,
    description: 'one token, or two separated by a comma during rotation (printable characters, no comma)'
  })),
  AUTH_FAILURES_MAX: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 }),
  AUTH_FAILURES_WINDOW_SECONDS: Seconds(60, 'window of AUTH_FAILURES_MAX'),

  IDEMPOTENCY_TTL_SECONDS: Seconds(86_400, 'how long a completed response is kept'),
  IDEMPOTENCY_LOCK_TTL_SECONDS: Seconds(60, 'processing-lock lifetime'),
  IDEMPOTENCY_FALLBACK_TTL_SECONDS: Seconds(60, 'lifetime of a derived key'),
  // No schema default: loadConfig resolves it from NODE_ENV (true in production).
  IDEMPOTENCY_REQUIRE_KEY: Type.Optional(Type.Boolean()),
  IDEMPOTENCY_MAX_WAIT_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 10 }),
  IDEMPOTENCY_MAX_RECORD_BYTES: Type.Integer({ minimum: 1024, maximum: 16_777_216, default: 262_144 }),
  IDEMPOTENCY_LOCAL_CACHE_ENTRIES: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000 }),
  RESERVATION_TTL_SECONDS: Seconds(900, 'how long reserved stock waits for payment'),
  RECONCILE_DELAY_SECONDS: Seconds(900, 'how long an unpaid order waits before its payments are fetched from Razorpay'),
  RECONCILE_WINDOW_SECONDS: Seconds(259_200, 'how long after creation an unpaid order is still reconciled (late authorization)'),
  CATALOG_FILE: Type.Optional(Type.String({ minLength: 1 })),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 600 }),
  RATE_LIMIT_WINDOW_SECONDS: Seconds(60, 'rate-limit window'),
  RATE_LIMIT_SHARED: Type.Boolean({ default: false }),
  ...RiskConfigProperties,
  ...OperabilityConfigProperties
})

/** The variables as validated, before loadConfig resolves the defaults that depend on NODE_ENV. */
export type ConfigInput = Static<typeof ConfigSchema>
/** The configuration as loadConfig returns it: every NODE_ENV-dependent default resolved. */
export type Config = Omit<ConfigInput, 'IDEMPOTENCY_REQUIRE_KEY' | 'DEMO_PAGE'> & { IDEMPOTENCY_REQUIRE_KEY: boolean, DEMO_PAGE: boolean }
