// Decorates `fastify.audit`, the capped stream of payment-attempt records (src/audit/audit-log.ts).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { AuditLog } from '../src/audit/audit-log.js'

declare module 'fastify' {
  interface FastifyInstance {
    audit: AuditLog
  }
}

async function auditPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.decorate('audit', new AuditLog(fastify.store, fastify.log.child({ component: 'audit' })))
}

export default fp(auditPlugin, { name: 'audit', dependencies: ['store'] })
