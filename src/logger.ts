// pino options for the service: payment logs must never vanish, and never carry a secret.
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../schemas/config.js'

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers["x-razorpay-signature"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.razorpay_signature',
  '*.key_secret',
  '*.keySecret',
  '*.password',
  '*.authorization',
  '*.RAZORPAY_KEY_SECRET',
  '*.RAZORPAY_WEBHOOK_SECRET',
  '*.API_KEYS',
  '*.ADMIN_TOKEN'
]

export function loggerOptions (config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    redact: { paths: redactedPaths, censor: '[redacted]' }
  }
}
