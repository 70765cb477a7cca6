// The admin view of a variant: price and stock counters.
import Type, { type Static } from 'typebox'
import { CurrencySchema } from './checkout.js'
import { IdentifierSchema } from './common.js'

export const VariantParamsSchema = Type.Object({ variantId: IdentifierSchema })

export const PutVariantBodySchema = Type.Object({
  price: Type.Integer({ minimum: 1, maximum: 100_000_000_00, description: 'unit price in paise' }),
  currency: CurrencySchema,
  stock: Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'total units: available + reserved + sold' })
}, { additionalProperties: false })
export type PutVariantBody = Static<typeof PutVariantBodySchema>

export const VariantSchema = Type.Object({
  variantId: Type.String(),
  price: Type.Integer(),
  currency: Type.String(),
  available: Type.Integer(),
  reserved: Type.Integer(),
  sold: Type.Integer(),
  oversold: Type.Optional(Type.Integer({ description: 'units paid for after their reservation ended with no stock left' }))
}, { $id: 'Variant', description: 'A variant with its price and stock counters (available + reserved + sold = stock)' })

export const CatalogFileSchema = Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }), PutVariantBodySchema)
export type CatalogFile = Static<typeof CatalogFileSchema>

/** What a caller (a storefront, the demo page) may know of a variant: never the stock counts, only whether any is left. */
export const CatalogVariantSchema = Type.Object({
  variantId: Type.String(),
  price: Type.Integer({ description: 'unit price in paise' }),
  currency: Type.String(),
  inStock: Type.Boolean({ description: 'at least one unit is available (neither reserved nor sold) right now' })
}, {
  $id: 'CatalogVariant',
  description: 'A variant as a caller sees it: price x quantity is the amount create-order expects',
  examples: [{ variantId: 'test', price: 1499, currency: 'INR', inStock: true }]
})
export type CatalogVariant = Static<typeof CatalogVariantSchema>
