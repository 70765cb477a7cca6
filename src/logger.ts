// pino options for the service: payment logs must never vanish, and never carry a secret.
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../schemas/config.js'

/**
 * Explicit paths only: wildcards made redaction a tenth of a replay's CPU. The service logs no request bodies and
 * no configuration; these cover the headers Fastify's serializers could log and the errors of the Razorpay SDK.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-razorpay-signature"]',
  'res.headers["set-cookie"]',
  'body.razorpay_signature',
  'err.config.auth',
  'err.config.headers.Authorization',
  'err.cause.config.auth',
  'config.RAZORPAY_KEY_SECRET',
  'config.RAZORPAY_WEBHOOK_SECRET',
  'config.API_KEYS',
  'config.ADMIN_TOKEN'
]

export function loggerOptions (config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: redactedPaths, censor: '[redacted]' }
  }
}
