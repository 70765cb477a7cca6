// The stored response: one line of JSON metadata, a newline, then the body exactly as it was sent.
// It stays readable with `redis-cli GET`, and the body is never re-serialised.
export interface StoredResponse {
  statusCode: number
  headers: Record<string, string>
  fingerprint: string
  createdAt: number
  /** Seconds the record lives in the store, counted from createdAt. */
  ttlSeconds: number
  body: string
}

export function encodeRecord (response: StoredResponse): string {
  const meta = JSON.stringify({
    status: response.statusCode,
    headers: response.headers,
    fingerprint: response.fingerprint,
    createdAt: response.createdAt,
    ttl: response.ttlSeconds
  })
  return `${meta}\n${response.body}`
}

export function decodeRecord (record: string): StoredResponse {
  const newline = record.indexOf('\n')
  if (newline < 0) throw new Error('malformed idempotency record: no metadata line')
  const meta = JSON.parse(record.slice(0, newline)) as {
    status: number, headers: Record<string, string>, fingerprint: string, createdAt: number, ttl: number
  }
  return {
    statusCode: meta.status,
    headers: meta.headers,
    fingerprint: meta.fingerprint,
    createdAt: meta.createdAt,
    ttlSeconds: meta.ttl,
    body: record.slice(newline + 1)
  }
}
