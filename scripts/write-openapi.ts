// Writes openapi.yaml from the routes' schemas (the same document the service serves at /openapi.json).
// Run: npx tsx scripts/write-openapi.ts
import { writeFile } from 'node:fs/promises'
import { openApiDocument } from './openapi-document.js'

await writeFile(new URL('../openapi.yaml', import.meta.url), await openApiDocument())
process.stdout.write('openapi.yaml written\n')
