// Shared schema primitives: the error body every route answers with, and bounded identifiers.
import Type from 'typebox'

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
}, { $id: 'Error', description: 'Every error answer of the service' })

/** Every route answers its errors with the same body. */
export const ErrorResponses = { '4xx': ErrorSchema, '5xx': ErrorSchema }

export const IdentifierSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' })
