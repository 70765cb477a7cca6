// The emulator's public options and handle, and the defaults the CLI and the service rely on.

export interface EmulatorOptions {
  host?: string
  port?: number
  keyId?: string
  keySecret?: string
  webhookSecret?: string
  /** Where webhooks are delivered; none when unset. */
  webhookUrl?: string
  /** Redelivery delays after a non-2xx or a timeout; real Razorpay keeps retrying for 24 hours. */
  webhookRetryDelaysMs?: number[]
  /** Razorpay gives a receiver 5 seconds. */
  webhookTimeoutMs?: number
  /** Fastify's `logger` option. */
  logger?: boolean | object
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:40123, without a trailing slash or /v1 */
  url: string
  keyId: string
  keySecret: string
  webhookSecret: string
  setWebhookUrl (url: string | undefined): void
  /** Also ends hung requests and pending webhook retries. */
  close (): Promise<void>
}

export const EMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  keyId: 'rzp_test_emulator',
  keySecret: 'emulator_secret',
  webhookSecret: 'emulator_webhook_secret',
  webhookRetryDelaysMs: [1000, 5000, 30000],
  webhookTimeoutMs: 5000
} as const

export interface ResolvedOptions {
  keyId: string
  keySecret: string
  webhookSecret: string
  webhookUrl: string | undefined
  webhookRetryDelaysMs: number[]
  webhookTimeoutMs: number
}

/** Accepts an absolute http(s) URL or undefined (no delivery). */
export function checkWebhookUrl (url: string | undefined): string | undefined {
  if (url === undefined || url === '') return undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError(`webhook URL is not a valid URL: ${url}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`webhook URL must be http or https: ${url}`)
  }
  return url
}

export function resolveOptions (options: EmulatorOptions): ResolvedOptions {
  const retryDelays = options.webhookRetryDelaysMs ?? [...EMULATOR_DEFAULTS.webhookRetryDelaysMs]
  if (!retryDelays.every((delay) => Number.isFinite(delay) && delay >= 0)) {
    throw new TypeError('webhookRetryDelaysMs must hold non-negative numbers')
  }
  const timeout = options.webhookTimeoutMs ?? EMULATOR_DEFAULTS.webhookTimeoutMs
  if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError('webhookTimeoutMs must be a positive number')
  return {
    keyId: options.keyId ?? EMULATOR_DEFAULTS.keyId,
    keySecret: options.keySecret ?? EMULATOR_DEFAULTS.keySecret,
    webhookSecret: options.webhookSecret ?? EMULATOR_DEFAULTS.webhookSecret,
    webhookUrl: checkWebhookUrl(options.webhookUrl),
    webhookRetryDelaysMs: retryDelays,
    webhookTimeoutMs: timeout
  }
}
