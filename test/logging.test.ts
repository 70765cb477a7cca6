// Payment logs never carry a secret: bearer tokens, Razorpay keys and signatures are redacted.
import t from 'tap'
import { Writable } from 'node:stream'
import pino from 'pino'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/build-app.js'
import { redactedPaths } from '../src/logger.js'
import { addFault, emulator, emulatorEnv } from './support/service.js'

t.test('request and error logs contain no token, key secret or signature', async t => {
  const rzp = await emulator(t)
  let logs = ''
  const stream = new Writable({ write (chunk, _encoding, done) { logs += chunk.toString(); done() } })
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', ...emulatorEnv(rzp), API_KEYS: 'shop:very-secret-token-123' })
  const app = await buildApp({ config, logger: { level: 'debug', stream, redact: { paths: redactedPaths, censor: '[redacted]' } } })
  t.teardown(async () => await app.close())
  await addFault(rzp, { route: 'POST /v1/orders', kind: 'status', status: 500, count: 1 })
  await app.inject({
    method: 'POST',
    url: '/api/checkout/create-order',
    payload: { variantId: 'test', quantity: 1, amount: 1499 },
    headers: { authorization: 'Bearer very-secret-token-123', 'idempotency-key': 'log-1', 'x-razorpay-signature': 'abcdef0123' }
  })
  t.match(logs, /PAYMENT_PROVIDER_ERROR|payment provider/i, 'the provider failure is logged')
  t.notMatch(logs, 'very-secret-token-123')
  t.notMatch(logs, rzp.keySecret)
  t.notMatch(logs, 'abcdef0123')
})

t.test('the redaction paths censor nested secrets', async t => {
  let line = ''
  const logger = pino({ redact: { paths: redactedPaths, censor: '[redacted]' } }, new Writable({ write (chunk, _e, done) { line = chunk.toString(); done() } }))
  logger.info({ req: { headers: { authorization: 'Bearer x' } }, body: { razorpay_signature: 'sig' }, err: { config: { auth: { password: 'k' } } } }, 'm')
  t.notMatch(line, /Bearer x|"sig"|"k"/)
  t.match(line, /\[redacted\]/)
})
