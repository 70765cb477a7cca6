// The admin API of the risk rules' allow and deny lists. Session and customer ids travel in bodies, never in URLs,
// so they stay out of access logs; the service keeps only their keyed hash.
import Type, { type Static } from 'typebox'

const ClientIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'the client (API_KEYS clientId) the entry belongs to' })
const SubjectSchema = Type.Union([Type.Literal('client'), Type.Literal('session'), Type.Literal('customer')],
  { description: 'client: all of its traffic; session: a sessionId of create-order; customer: a customer.id of create-order' })
const SubjectValueSchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$', description: 'the session or customer id (required unless subject is client)' })

export const PutListEntryBodySchema = Type.Object({
  clientId: ClientIdSchema,
  subject: SubjectSchema,
  value: Type.Optional(SubjectValueSchema),
  list: Type.Union([Type.Literal('allow'), Type.Literal('deny')], { description: 'deny refuses; allow exempts from the counting rules' }),
  reason: Type.Optional(Type.String({ maxLength: 200, pattern: '^[^|]*$' }))
}, { additionalProperties: false })
export type PutListEntryBody = Static<typeof PutListEntryBodySchema>

export const RemoveListEntryBodySchema = Type.Object({
  clientId: ClientIdSchema,
  subject: SubjectSchema,
  value: Type.Optional(SubjectValueSchema)
}, { additionalProperties: false })
export type RemoveListEntryBody = Static<typeof RemoveListEntryBodySchema>

export const ListEntrySchema = Type.Object({
  subject: SubjectSchema,
  hash: Type.Optional(Type.String({ description: 'keyed hash of the session or customer id' })),
  list: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  reason: Type.String(),
  at: Type.String({ format: 'date-time' })
}, { $id: 'RiskListEntry', description: 'One allow or deny entry' })

export const ListEntriesSchema = Type.Object({ clientId: Type.String(), entries: Type.Array(ListEntrySchema) },
  { description: "A client's allow and deny entries" })
export const ListClientParamsSchema = Type.Object({ clientId: ClientIdSchema })
export const RemovedSchema = Type.Object({ removed: Type.Boolean() }, { description: 'false when there was no such entry' })
