// Admin API of the risk rules' allow and deny lists (docs/PAYMENT_SECURITY.md). Registered with the admin API;
// every change is audited.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import createError from '@fastify/error'
import { ErrorResponses } from '../../schemas/common.js'
import {
  ListClientParamsSchema, ListEntriesSchema, ListEntrySchema, PutListEntryBodySchema, RemovedSchema,
  RemoveListEntryBodySchema
} from '../../schemas/risk.js'

const ListSubjectInvalidError = createError('FST_ERR_VALIDATION', 'body/value %s', 400)

function subjectValue (subject: string, value: string | undefined): string | undefined {
  if (subject === 'client' && value !== undefined) throw new ListSubjectInvalidError('must be absent when subject is client')
  if (subject !== 'client' && value === undefined) throw new ListSubjectInvalidError(`is required when subject is ${subject}`)
  return value
}

export default async function adminRiskRoutes (app: FastifyInstance): Promise<void> {
  const fastify = app.withTypeProvider<TypeBoxTypeProvider>()

  fastify.put('/api/admin/risk/lists', {
    config: { auth: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'putRiskListEntry',
      summary: 'Put a client, session or customer on the allow or deny list (replacing its entry on the other)',
      body: PutListEntryBodySchema,
      response: { 200: ListEntrySchema, ...ErrorResponses }
    }
  }, async (request) => {
    const { clientId, subject, list, reason } = request.body
    const entry = await fastify.riskLists.put(clientId, subject, subjectValue(subject, request.body.value), list, reason ?? '')
    await fastify.audit.record({ type: 'risk_list_changed', clientId, detail: `${list} ${subject}${entry.hash === undefined ? '' : ` ${entry.hash}`}: ${entry.reason}` })
    return entry
  })

  fastify.post('/api/admin/risk/lists/remove', {
    config: { auth: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'removeRiskListEntry',
      summary: 'Take a client, session or customer off the allow or deny list',
      body: RemoveListEntryBodySchema,
      response: { 200: RemovedSchema, ...ErrorResponses }
    }
  }, async (request) => {
    const { clientId, subject } = request.body
    const removed = await fastify.riskLists.remove(clientId, subject, subjectValue(subject, request.body.value))
    if (removed) await fastify.audit.record({ type: 'risk_list_changed', clientId, detail: `removed ${subject}` })
    return { removed }
  })

  fastify.get('/api/admin/risk/lists/:clientId', {
    config: { auth: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'getRiskListEntries',
      summary: "A client's allow and deny entries",
      params: ListClientParamsSchema,
      response: { 200: ListEntriesSchema, ...ErrorResponses }
    }
  }, async (request) => {
    return { clientId: request.params.clientId, entries: await fastify.riskLists.entries(request.params.clientId) }
  })
}
