// pino options for the service: payment logs must never vanish, and never carry a secret.
import { createRequire } from 'node:module'
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

/** Where the process logs: whether stdout is a terminal, and where pino-pretty is (undefined: not installed). */
export interface LogDestination {
  isTTY: boolean
  prettyTarget: () => string | undefined
}

/** pino-pretty is a dev dependency: the production image does not have it, and must not need it. */
export function resolvePinoPretty (): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('pino-pretty')
  } catch {
    return undefined
  }
}

const processDestination: LogDestination = { isTTY: process.stdout.isTTY === true, prettyTarget: resolvePinoPretty }

/**
 * JSON lines, except for a developer at a terminal (NODE_ENV=development, stdout a TTY, pino-pretty installed), who
 * gets readable lines. Redaction applies before either. Anything else (a pipe, a file, a container's log driver, a
 * test) gets JSON: logs are for machines first, and they never fall silent.
 */
export function loggerOptions (config: Config, destination: LogDestination = processDestination): FastifyServerOptions['logger'] {
  const options = {
    level: config.LOG_LEVEL,
    redact: { paths: redactedPaths, censor: '[redacted]' }
  }
  if (config.NODE_ENV !== 'development' || !destination.isTTY) return options
  const target = destination.prettyTarget()
  if (target === undefined) return options
  return {
    ...options,
    transport: { target, options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
  }
}
