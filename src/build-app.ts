// Builds a configured Fastify instance of the service; server.ts listens on it, tests inject into it.
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions, type RouteOptions } from 'fastify'
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox'
import fp from 'fastify-plugin'
import type { Config } from '../schemas/config.js'
import { errorBody } from '../plugins/error-handler.js'
import app from './app.js'
import { configWarnings, trustProxyOption } from './config.js'
import { loggerOptions } from './logger.js'
import { RequestLogController } from './request-log.js'

export interface BuildAppOptions {
  config: Config
  /** Overrides the logger built from LOG_LEVEL (tests pass `false` or a stream). */
  logger?: FastifyServerOptions['logger']
  /** Sees every route as it is registered, before any plugin of the app (the default-deny test walks them). */
  onRoute?: (route: RouteOptions) => void
}

/** A request Node's HTTP parser refused never reaches Fastify: it still gets the service's JSON error body. */
function answerMalformedRequest (err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy()
    return
  }
  const statusCode = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const body = JSON.stringify(errorBody(statusCode, statusCode === 431 ? 'REQUEST_HEADERS_TOO_LARGE' : 'BAD_REQUEST',
    statusCode === 431 ? 'The request headers are too large' : 'The HTTP request is malformed'))
  socket.end(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

/**
 * Request ids unique across instances and restarts without a random UUID per request: a random prefix per app,
 * then a counter (a log search by id still finds exactly one request).
 */
function requestIds (): () => string {
  const prefix = randomUUID().slice(0, 8)
  let count = 0
  return () => `${prefix}-${(++count).toString(36)}`
}

export async function buildApp (options: BuildAppOptions): Promise<FastifyInstance> {
  const nextRequestId = requestIds()
  const fastify = Fastify({
    logger: options.logger ?? loggerOptions(options.config),
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[\x21-\x7e]{1,128}$/.test(given) ? given : nextRequestId()
    },
    requestIdHeader: false,
    logController: new RequestLogController(),
    bodyLimit: 64 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 60_000,
    keepAliveTimeout: 72_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false } },
    clientErrorHandler: answerMalformedRequest,
    // Errors the router raises before a route runs (an over-long parameter, a malformed URL) get the same body.
    frameworkErrors: (err, _request, reply) => {
      const statusCode = err.statusCode ?? 400
      const answer = reply as unknown as FastifyReply
      answer.code(statusCode).send(errorBody(statusCode, err.code, err.message))
    },
    // Node would answer a missing Host with an empty 400 of its own; the hook below answers it in JSON.
    http: { requireHostHeader: false },
    // Behind a load balancer, request.ip (what failed authentications are counted by) is the caller, not the balancer.
    trustProxy: trustProxyOption(options.config.TRUST_PROXY)
  })
  for (const warning of configWarnings(options.config)) fastify.log.warn(warning)
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.raw.httpVersion !== '1.1' || request.headers.host !== undefined) return done()
    reply.code(400).header('connection', 'close').send(errorBody(400, 'BAD_REQUEST', 'An HTTP/1.1 request needs a Host header'))
  })
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler)
  if (options.onRoute !== undefined) fastify.addHook('onRoute', options.onRoute)
  // Keep-alive connections become idle only when their in-flight request ends; 'idle' closes only those idle when
  // closing starts, so each of the others is closed as soon as its request ends instead of at its keep-alive timeout.
  let idleCloser: NodeJS.Timeout | undefined
  fastify.addHook('preClose', async () => {
    idleCloser = setInterval(() => fastify.server.closeIdleConnections(), 100)
    idleCloser.unref()
  })
  fastify.addHook('onClose', async () => clearInterval(idleCloser))
  try {
    // Unwrapped so that tests and server.ts see the decorators (store, catalog, …) on the instance they hold.
    await fastify.register(fp(app), { config: options.config })
  } catch (err) {
    // A plugin failed to start: close what the others opened (the store, an in-process emulator) before failing.
    await fastify.close().catch(() => {})
    throw err
  }
  return fastify
}
