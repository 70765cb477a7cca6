// Reads and checks the configuration at start. A bad value stops the start with one line naming it;
// production refuses every embedded default.
import envSchema from 'env-schema'
import { ConfigSchema, type Config } from '../schemas/config.js'

export type { Config }

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

interface AjvError { instancePath: string, keyword: string, message?: string, params: Record<string, unknown> }

function describe (error: AjvError): string {
  const variable = error.instancePath.replace(/^\//, '')
  if (error.keyword === 'required') return `${String(error.params.missingProperty)} is required`
  const property = (ConfigSchema.properties as Record<string, { description?: string }>)[variable]
  if (error.keyword === 'pattern' && property?.description !== undefined) {
    return `${variable} must be ${property.description}`
  }
  if (error.keyword === 'anyOf' || error.keyword === 'const') return `${variable} has an unknown value`
  return `${variable} ${error.message ?? 'is invalid'}`
}

/** Variables whose absence makes the service fall back to something only fit for development. */
function missingForProduction (config: Config): string[] {
  const missing: string[] = []
  if (config.REDIS_URL === undefined && config.REDIS_CLUSTER_NODES === undefined) {
    missing.push('REDIS_URL or REDIS_CLUSTER_NODES')
  }
  if (config.RAZORPAY_KEY_ID === undefined) missing.push('RAZORPAY_KEY_ID')
  if (config.RAZORPAY_KEY_SECRET === undefined) missing.push('RAZORPAY_KEY_SECRET')
  if (config.RAZORPAY_WEBHOOK_SECRET === undefined) missing.push('RAZORPAY_WEBHOOK_SECRET')
  if (config.API_KEYS === undefined) missing.push('API_KEYS')
  return missing
}

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset", as in most deployment tools.
  const data: Record<string, string> = {}
  for (const name of Object.keys(ConfigSchema.properties)) {
    const value = env[name]
    if (value !== undefined && value.trim() !== '') data[name] = value.trim()
  }
  let config: Config
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data, env: false })
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors ?? []
    const details = errors.length > 0 ? errors.map(describe) : [(err as Error).message]
    throw new ConfigError(`Invalid configuration: ${[...new Set(details)].join('; ')}`)
  }
  if ((config.RAZORPAY_KEY_ID === undefined) !== (config.RAZORPAY_KEY_SECRET === undefined)) {
    throw new ConfigError('Invalid configuration: RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET must be set together')
  }
  if (config.NODE_ENV === 'production') {
    const missing = missingForProduction(config)
    if (missing.length > 0) {
      throw new ConfigError(`Refusing to start in production on embedded defaults: set ${missing.join(', ')}`)
    }
  }
  return config
}

/** The `clientId` of each bearer token in API_KEYS. */
export function parseApiKeys (apiKeys: string | undefined): Map<string, string> {
  const clients = new Map<string, string>()
  for (const pair of apiKeys?.split(',') ?? []) {
    const separator = pair.indexOf(':')
    clients.set(pair.slice(separator + 1), pair.slice(0, separator))
  }
  return clients
}

export function parseClusterNodes (nodes: string): Array<{ host: string, port: number }> {
  return nodes.split(',').map(node => {
    const separator = node.lastIndexOf(':')
    return { host: node.slice(0, separator), port: Number(node.slice(separator + 1)) }
  })
}
