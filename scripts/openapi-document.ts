// Builds the service with every route present (admin included) and returns its OpenAPI document as YAML.
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/build-app.js'

export async function openApiDocument (): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ADMIN_TOKEN: 'document-only-admin-token' })
  const app = await buildApp({ config, logger: false })
  try {
    await app.ready()
    return app.swagger({ yaml: true })
  } finally {
    await app.close()
  }
}
