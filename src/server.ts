// The process entry point: read the configuration, build the app, listen, and shut down gracefully.
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp } from './build-app.js'

let config: Config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(1)
}

const app = await buildApp({ config })

// On SIGTERM/SIGINT: stop accepting, let in-flight requests finish, then close Redis and the rest.
closeWithGrace({ delay: 25_000, logger: app.log }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an unexpected error')
  else app.log.info({ signal }, 'shutting down gracefully')
  await app.close()
})

try {
  // The app first (the private listener serves its finished OpenAPI document), then the private listener: a port
  // clash there stops the start before the main port takes any traffic.
  await app.ready()
  await app.operations.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST })
  await app.listen({ port: config.PORT, host: config.HOST })
} catch (err) {
  app.log.fatal({ err }, 'could not start')
  process.exit(1)
}
