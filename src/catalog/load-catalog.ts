// Seeds the store's catalog at start: from CATALOG_FILE, or, outside production, from the small built-in
// development catalog. Only variants the store does not know are added; live stock is never reset.
import { readFile } from 'node:fs/promises'
import { Value } from 'typebox/value'
import { CatalogFileSchema, type CatalogFile } from '../../schemas/variant.js'
import type { Catalog } from './catalog.js'

const devCatalogUrl = new URL('./dev-catalog.json', import.meta.url)

export async function readCatalogFile (path: string | URL): Promise<CatalogFile> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new Error(`CATALOG_FILE ${String(path)} cannot be read as JSON: ${(err as Error).message}`)
  }
  const [first] = Value.Errors(CatalogFileSchema, parsed)
  if (first !== undefined) {
    throw new Error(`CATALOG_FILE ${String(path)} is invalid at ${first.instancePath || '/'}: ${first.message}` +
      ' (expected { "<variantId>": { "price": <paise>, "currency": "INR", "stock": <units> } })')
  }
  return parsed as CatalogFile
}

/** Returns the ids of the variants added. */
export async function seedCatalog (catalog: Catalog, file: string | undefined, development: boolean): Promise<string[]> {
  if (file === undefined && !development) return []
  const variants = await readCatalogFile(file ?? devCatalogUrl)
  const added: string[] = []
  for (const [variantId, variant] of Object.entries(variants)) {
    if (await catalog.seedVariant(variantId, variant)) added.push(variantId)
  }
  return added
}
