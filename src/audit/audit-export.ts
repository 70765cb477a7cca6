// Copies the capped audit stream to durable storage: every entry after the last one exported, appended to a file as
// one JSON line each, then the new cursor saved. A crash between the two exports a batch again (at least once; each
// line carries its stream id, so readers drop repeats), never skips one. Entries trimmed before they were exported
// are reported, so a gap in the trail is known rather than silent.
import { open, readFile, rename, writeFile } from 'node:fs/promises'
import type { Store } from '../store/store.js'
import { auditStream } from './audit-log.js'

export interface AuditExportOptions {
  /** The NDJSON file entries are appended to. */
  out: string
  /** Where the id of the last exported entry is kept between runs. */
  cursorFile: string
  batchSize?: number
}

export interface AuditExportResult {
  exported: number
  cursor: string
  /** True when entries newer than the cursor were trimmed from the stream before this run could export them. */
  gap: boolean
}

type StreamEntry = [string, string[]]

export async function exportAudit (store: Store, options: AuditExportOptions): Promise<AuditExportResult> {
  const batchSize = options.batchSize ?? 1000
  let cursor = (await readFile(options.cursorFile, 'utf8').catch(() => '')).trim()
  // The last exported entry is the newest one exported: trimming reaches it only after the stream moved past it by
  // its whole cap, so its absence means entries after it were trimmed unexported.
  const gap = cursor !== '' && (await store.command('xrange', [auditStream, cursor, cursor]) as StreamEntry[]).length === 0
  let exported = 0
  while (true) {
    const entries = await store.command('xrange', [auditStream, cursor === '' ? '-' : `(${cursor}`, '+', 'COUNT', batchSize]) as StreamEntry[]
    if (entries.length === 0) break
    const lines = entries.map(([id, fields]) => JSON.stringify({ id, ...pairs(fields) })).join('\n') + '\n'
    await appendDurably(options.out, lines)
    cursor = entries[entries.length - 1][0]
    await saveCursor(options.cursorFile, cursor)
    exported += entries.length
  }
  return { exported, cursor, gap }
}

function pairs (fields: string[]): Record<string, string> {
  const entry: Record<string, string> = {}
  for (let i = 0; i < fields.length; i += 2) entry[fields[i]] = fields[i + 1]
  return entry
}

async function appendDurably (file: string, text: string): Promise<void> {
  const handle = await open(file, 'a')
  try {
    await handle.appendFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function saveCursor (file: string, cursor: string): Promise<void> {
  await writeFile(`${file}.tmp`, `${cursor}\n`)
  await rename(`${file}.tmp`, file)
}
