// The OpenAPI document passes a real linter (@redocly/cli, recommended rules) and says what callers need: every error
// code of the service with its status, per operation the codes it answers, the idempotency headers, the security.
import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import * as serviceErrors from '../src/errors.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = fileURLToPath(new URL('../node_modules/@redocly/cli/bin/cli.js', import.meta.url))

interface LintReport {
  totals: { errors: number, warnings: number, ignored: number }
  problems: Array<{ ruleId: string, severity: string, message: string, location?: Array<{ pointer?: string }> }>
}

async function lint (file: string): Promise<LintReport> {
  // The linter exits 1 when it finds errors; the JSON report on stdout is what is asserted on either way.
  const run = await promisify(execFile)(process.execPath, [cli, 'lint', file, '--extends=recommended', '--format=json'], {
    cwd: root,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    maxBuffer: 16 * 1024 * 1024
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }))
  return JSON.parse(run.stdout) as LintReport
}

const document = parse(await readFile(new URL('../openapi.yaml', import.meta.url), 'utf8'))
const operations = Object.entries(document.paths as Record<string, Record<string, any>>)
  .flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })))

t.test('openapi.yaml passes redocly lint with the recommended rules: no error, no warning', async t => {
  const report = await lint('openapi.yaml')
  const problems = report.problems.map(p => `${p.severity} ${p.ruleId} ${p.location?.[0]?.pointer ?? ''}: ${p.message}`)
  t.same(problems, [], 'no problem reported')
  t.equal(report.totals.errors, 0)
  t.equal(report.totals.warnings, 0)
  t.equal(report.totals.ignored, 0, 'nothing silenced by an ignore file')
})

t.test('the Error schema lists every code of src/errors.ts with its status', async t => {
  const error = document.components.schemas.Error
  const listed = error.properties.code['x-error-codes'] as Record<string, { status: number }>
  for (const ErrorType of Object.values(serviceErrors)) {
    const sample = new ErrorType() as Error & { code: string, statusCode: number }
    t.equal(listed[sample.code]?.status, sample.statusCode, `${sample.code} is listed with ${sample.statusCode}`)
    t.match(error.description, `| ${sample.statusCode} | \`${sample.code}\` |`, `${sample.code} is in the description's table`)
  }
  // Raised outside src/errors.ts: the error handler, the HTTP parser, the admin route, load shedding.
  for (const [code, status] of [['NOT_FOUND', 404], ['BAD_REQUEST', 400], ['STOCK_BELOW_COMMITTED', 422], ['INTERNAL_SERVER_ERROR', 500],
    ['FST_ERR_VALIDATION', 400], ['SERVICE_OVERLOADED', 503], ['FST_ERR_CTP_BODY_TOO_LARGE', 413]] as const) {
    t.equal(listed[code]?.status, status, `${code} is listed with ${status}`)
  }
})

t.test('each operation has an id, a security requirement, and a response for each status of the codes it answers', async t => {
  const ids = new Set<string>()
  for (const { name, operation } of operations) {
    t.ok(operation.operationId, `${name} has an operationId`)
    ids.add(operation.operationId)
    t.ok(Array.isArray(operation.security), `${name} says who may call it`)
    const listed = document.components.schemas.Error.properties.code['x-error-codes']
    for (const code of operation['x-error-codes'] as string[]) {
      const status = String(listed[code].status)
      t.match(operation.responses[status]?.description ?? '', `\`${code}\``, `${name}: ${code} is described under ${status}`)
    }
  }
  t.equal(ids.size, operations.length, 'operation ids are unique')
})

t.test('routes answer the codes the contract gives them', async t => {
  const codesOf = (path: string, method: string): string[] => document.paths[path][method]['x-error-codes']
  for (const [path, method, codes] of [
    ['/api/checkout/create-order', 'post', ['VARIANT_NOT_FOUND', 'AMOUNT_MISMATCH', 'INSUFFICIENT_STOCK', 'RISK_REJECTED', 'IDEMPOTENCY_KEY_REUSED',
      'IDEMPOTENCY_REQUEST_IN_PROGRESS', 'IDEMPOTENCY_KEY_INVALID', 'STORE_UNAVAILABLE', 'PAYMENT_PROVIDER_ERROR', 'PAYMENT_PROVIDER_TIMEOUT',
      'UNAUTHORIZED', 'RATE_LIMITED', 'FST_ERR_VALIDATION', 'ORDER_RECOVERY_CONFLICT', 'SERVICE_OVERLOADED']],
    ['/api/checkout/verify-payment', 'post', ['PAYMENT_SIGNATURE_INVALID', 'ORDER_NOT_FOUND', 'PAYMENT_NOT_CAPTURED', 'PAYMENT_MISMATCH', 'INSUFFICIENT_STOCK']],
    ['/api/orders/{orderId}', 'get', ['ORDER_NOT_FOUND', 'UNAUTHORIZED']],
    ['/api/orders/{orderId}/cancel', 'post', ['ORDER_NOT_CANCELLABLE', 'IDEMPOTENCY_KEY_REUSED']],
    ['/api/webhooks/razorpay', 'post', ['WEBHOOK_SIGNATURE_INVALID', 'WEBHOOK_PAYLOAD_INVALID', 'WEBHOOKS_NOT_CONFIGURED', 'STORE_UNAVAILABLE']],
    ['/api/admin/variants/{variantId}', 'put', ['STOCK_BELOW_COMMITTED', 'UNAUTHORIZED']],
    ['/api/admin/variants/{variantId}', 'get', ['VARIANT_NOT_FOUND']],
    ['/api/admin/idempotency', 'get', ['FST_ERR_VALIDATION', 'UNAUTHORIZED', 'STORE_UNAVAILABLE']]
  ] as const) {
    for (const code of codes) t.ok(codesOf(path, method).includes(code), `${method.toUpperCase()} ${path} answers ${code}`)
  }
})

t.test('idempotent routes describe the idempotency headers; Retry-After goes with 409, 429 and 503', async t => {
  const idempotent = operations.filter(({ operation }) => operation['x-idempotent'] === true)
  t.same(idempotent.map(({ name }) => name).sort(),
    ['POST /api/checkout/create-order', 'POST /api/checkout/verify-payment', 'POST /api/orders/{orderId}/cancel'])
  for (const { name, operation } of idempotent) {
    t.same(operation.parameters.filter((p: any) => p.in === 'header').map((p: any) => p.name).sort(), ['idempotency-key', 'prefer'], name)
    const success = Object.entries(operation.responses as Record<string, any>).filter(([status]) => status.startsWith('2'))
    t.ok(success.length > 0, `${name} has a success answer`)
    for (const [status, answer] of success) {
      t.ok(answer.headers?.['Idempotent-Replayed'], `${name} ${status} may be a replay`)
      t.ok(answer.headers?.['Preference-Applied'], `${name} ${status} may carry Preference-Applied`)
    }
  }
  for (const { name, operation } of operations) {
    for (const status of ['409', '429', '503']) {
      const answer = operation.responses[status]
      if (answer?.content?.['application/json']?.schema?.$ref === '#/components/schemas/Error') {
        t.ok(answer.headers?.['Retry-After'], `${name} ${status} carries Retry-After`)
      }
    }
  }
  t.same(Object.keys(document.components.headers).sort(), ['IdempotentReplayed', 'PreferenceApplied', 'RetryAfter', 'WwwAuthenticate'])
})

t.test('security: bearer tokens for client and admin routes, the signature for webhooks, nothing for health', async t => {
  t.same(document.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: document.components.securitySchemes.bearer.description })
  t.same(document.paths['/api/checkout/create-order'].post.security, [{ bearer: [] }])
  t.same(document.paths['/api/admin/variants/{variantId}'].put.security, [{ bearer: [] }])
  t.same(document.paths['/api/webhooks/razorpay'].post.security, [{ razorpaySignature: [] }])
  t.same(document.paths['/health/live'].get.security, [])
})
