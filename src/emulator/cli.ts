// `npm run emulator`: serves the Razorpay emulator standalone on 127.0.0.1 (RAZORPAY_EMULATOR_HOST=0.0.0.0 in a
// container, so the service's container can reach it; its control surface still answers loopback only), configured
// from the environment, until SIGINT or SIGTERM.
import closeWithGrace from 'close-with-grace'
import { EMULATOR_DEFAULTS } from './options.js'
import { startEmulator } from './server.js'

function portFromEnv (raw: string | undefined): number {
  if (raw === undefined || raw === '') return 4010
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`RAZORPAY_EMULATOR_PORT must be a port number (0-65535), got ${JSON.stringify(raw)}`)
    process.exit(1)
  }
  return port
}

const env = process.env
const emulator = await startEmulator({
  host: env.RAZORPAY_EMULATOR_HOST || '127.0.0.1',
  port: portFromEnv(env.RAZORPAY_EMULATOR_PORT),
  keyId: env.RAZORPAY_KEY_ID || EMULATOR_DEFAULTS.keyId,
  keySecret: env.RAZORPAY_KEY_SECRET || EMULATOR_DEFAULTS.keySecret,
  webhookSecret: env.RAZORPAY_WEBHOOK_SECRET || EMULATOR_DEFAULTS.webhookSecret,
  webhookUrl: env.RAZORPAY_EMULATOR_WEBHOOK_URL || undefined,
  logger: { level: env.LOG_LEVEL || 'info' }
}).catch((err: unknown) => {
  // EADDRINUSE and friends: one clear line and a failing exit code, not a stack trace.
  console.error(`Razorpay emulator could not start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})

// Secrets are never logged: the key id is public (Checkout hands it to browsers), and a webhook URL
// loses any user:password it carries.
function redacted (url: string | undefined): string {
  if (url === undefined || url === '') return 'off'
  const parsed = new URL(url)
  parsed.username = ''
  parsed.password = ''
  return parsed.href
}
console.log(`Razorpay emulator listening on ${emulator.url} (key id ${emulator.keyId}, webhooks ${redacted(env.RAZORPAY_EMULATOR_WEBHOOK_URL)})`)

closeWithGrace({ delay: 5000 }, async ({ signal, err }) => {
  if (err !== undefined) console.error('Razorpay emulator closing on error', err)
  else console.log(`Razorpay emulator closing on ${signal}`)
  await emulator.close()
})
