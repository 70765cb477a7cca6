// The service's configuration: every environment variable of CONTRACT.md, validated at start.
import Type, { type Static } from 'typebox'
import { RiskConfigProperties } from './risk-config.js'

const Seconds = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 31_536_000, default: defaultValue, description })

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 4000 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
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

  RAZORPAY_KEY_ID: Type.Optional(Type.String({ minLength: 1 })),
  RAZORPAY_KEY_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  RAZORPAY_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  RAZORPAY_API_URL: Type.String({ pattern: '^https?://[^\\s/]+(:\\d+)?/?$', default: 'https://api.razorpay.com' }),
  RAZORPAY_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),

  API_KEYS: Type.Optional(Type.String({
    pattern: '^[A-Za-z0-9_.-]+:[\\x21-\\x2b\\x2d-\\x7e]+(,[A-Za-z0-9_.-]+:[\\x21-\\x2b\\x2d-\\x7e]+)*$',
    description: 'comma-separated clientId:token pairs (tokens of printable characters, no comma)'
  })),
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 1 })),

  IDEMPOTENCY_TTL_SECONDS: Seconds(86_400, 'how long a completed response is kept'),
  IDEMPOTENCY_LOCK_TTL_SECONDS: Seconds(60, 'processing-lock lifetime'),
  IDEMPOTENCY_FALLBACK_TTL_SECONDS: Seconds(60, 'lifetime of a derived key'),
  IDEMPOTENCY_REQUIRE_KEY: Type.Boolean({ default: false }),
  IDEMPOTENCY_MAX_WAIT_SECONDS: Type.Integer({ minimum: 0, maximum: 300, default: 10 }),
  IDEMPOTENCY_MAX_RECORD_BYTES: Type.Integer({ minimum: 1024, maximum: 16_777_216, default: 262_144 }),
  IDEMPOTENCY_LOCAL_CACHE_ENTRIES: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000 }),
  RESERVATION_TTL_SECONDS: Seconds(900, 'how long reserved stock waits for payment'),
  RECONCILE_DELAY_SECONDS: Seconds(900, 'how long an unpaid order waits before its payments are fetched from Razorpay'),
  RECONCILE_WINDOW_SECONDS: Seconds(259_200, 'how long after creation an unpaid order is still reconciled (late authorization)'),
  CATALOG_FILE: Type.Optional(Type.String({ minLength: 1 })),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 600 }),
  RATE_LIMIT_WINDOW_SECONDS: Seconds(60, 'rate-limit window'),
  ...RiskConfigProperties
})

export type Config = Static<typeof ConfigSchema>
