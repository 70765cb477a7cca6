// Reads and checks the configuration at start. A bad value stops the start with one line naming it;
// production refuses every embedded default, short tokens and a plain-HTTP Razorpay API.
import { isIP } from 'node:net'
import envSchema from 'env-schema'
import { ConfigSchema, type Config, type ConfigInput } from '../schemas/config.js'

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
function missingForProduction (config: ConfigInput): string[] {
  const missing: string[] = []
  if (!hasRedis(config)) {
    missing.push('REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES')
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
  let input: ConfigInput
  try {
    input = envSchema<ConfigInput>({ schema: ConfigSchema, data, env: false })
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors ?? []
    const details = errors.length > 0 ? errors.map(describe) : [(err as Error).message]
    throw new ConfigError(`Invalid configuration: ${[...new Set(details)].join('; ')}`)
  }
  if ((input.RAZORPAY_KEY_ID === undefined) !== (input.RAZORPAY_KEY_SECRET === undefined)) {
    throw new ConfigError('Invalid configuration: RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET must be set together')
  }
  checkListeners(input)
  if (input.NODE_ENV === 'production') {
    const missing = missingForProduction(input)
    if (missing.length > 0) {
      throw new ConfigError(`Refusing to start in production on embedded defaults: set ${missing.join(', ')}`)
    }
    checkProductionSecrets(input)
  }
  // A derived key lets two shoppers behind one storefront share an order: production asks for the header.
  return {
    ...input,
    IDEMPOTENCY_REQUIRE_KEY: input.IDEMPOTENCY_REQUIRE_KEY ?? input.NODE_ENV === 'production',
    DEMO_PAGE: input.DEMO_PAGE ?? input.NODE_ENV !== 'production'
  }
}

/** Checks that only the combination of variables can get wrong. */
function checkListeners (config: ConfigInput): void {
  if (config.METRICS_PORT === config.PORT && config.PORT !== 0) {
    throw new ConfigError(`Invalid configuration: METRICS_PORT must differ from PORT (both ${config.PORT})`)
  }
  if (config.RATE_LIMIT_SHARED && !hasRedis(config)) {
    // The embedded store has no Redis to share a count through; a silent fall-back would promise a limit it cannot hold.
    throw new ConfigError('Invalid configuration: RATE_LIMIT_SHARED=true needs REDIS_URL or REDIS_CLUSTER_NODES')
  }
  if (config.TRUST_PROXY !== undefined) trustProxyOption(config.TRUST_PROXY)
}

/** The shortest bearer token production accepts: 32 characters of `openssl rand -hex 16` carry 128 bits. */
export const minimumTokenLength = 32

function checkProductionSecrets (config: ConfigInput): void {
  // The message names the client, never the token.
  for (const [token, clientId] of parseApiKeys(config.API_KEYS)) {
    if (token.length < minimumTokenLength) {
      throw new ConfigError(`Refusing to start in production: the API_KEYS token of client "${clientId}" is shorter than ${minimumTokenLength} characters`)
    }
  }
  parseAdminTokens(config.ADMIN_TOKEN).forEach((token, index) => {
    if (token.length < minimumTokenLength) {
      throw new ConfigError(`Refusing to start in production: ADMIN_TOKEN (token ${index + 1}, client "admin") is shorter than ${minimumTokenLength} characters`)
    }
  })
  // Loopback is exempt: nothing crosses a network (a local egress proxy, or the emulator the bench runs in production mode).
  for (const name of ['RAZORPAY_API_URL', 'RAZORPAY_CHECKOUT_SCRIPT_URL'] as const) {
    const value = config[name]
    if (value !== undefined && isPlainHttpAcrossNetwork(value)) {
      throw new ConfigError(`Refusing to start in production: ${name} must be https:// (plain http:// only to a loopback host)`)
    }
  }
}

function isPlainHttpAcrossNetwork (url: string): boolean {
  const parsed = new URL(url)
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)
}

/** Lines to log at start about a configuration that works but should not be left as it is. */
export function configWarnings (config: Config): string[] {
  const warnings: string[] = []
  const plainHosts: string[] = []
  if (config.REDIS_CLUSTER_NODES !== undefined) {
    // Cluster seeds carry no scheme: the connection is plain unless TLS options are added in code.
    for (const { host } of parseClusterNodes(config.REDIS_CLUSTER_NODES)) if (!isLoopbackHost(host)) plainHosts.push(host)
    if (plainHosts.length > 0) warnings.push(`REDIS_CLUSTER_NODES: plain (non-TLS) connections to non-loopback hosts ${plainHosts.join(', ')}`)
  } else if (config.REDIS_URL !== undefined) {
    const url = new URL(config.REDIS_URL)
    if (url.protocol === 'redis:' && !isLoopbackHost(url.hostname)) {
      warnings.push(`REDIS_URL: redis:// (no TLS) to the non-loopback host ${url.hostname}; use rediss:// across a network`)
    }
  }
  if (config.TRUST_PROXY !== undefined && /^(true|[1-9]\d*)$/.test(config.TRUST_PROXY)) {
    warnings.push(`TRUST_PROXY=${config.TRUST_PROXY} believes X-Forwarded-For from whoever connects: keep the port reachable ` +
      'only through the load balancer, or list its addresses instead')
  }
  return warnings
}

/** 127.0.0.0/8, ::1 and localhost (bracketed IPv6 as URL.hostname gives it). */
export function isLoopbackHost (host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'))
}

/** Names proxy-addr (Fastify's trustProxy) accepts besides addresses and ranges. */
const proxyRangeNames = new Set(['loopback', 'linklocal', 'uniquelocal'])

/**
 * TRUST_PROXY as Fastify's `trustProxy` option: a boolean, a hop count, or a list of addresses and CIDR ranges.
 * Fastify 5 treats a bare number as trusting nothing, so a hop count becomes the function Express' `trust proxy = n`
 * compiles to: the first n hops (the peer and the proxies before it) are trusted.
 */
export function trustProxyOption (value: string | undefined): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (value === undefined || value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) {
    const hops = Number(value)
    return (_address, hop) => hop < hops
  }
  const ranges = value.split(',')
  for (const range of ranges) {
    const [address, prefix, extra] = range.split('/')
    const family = isIP(address)
    const prefixValid = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32))
    if (!proxyRangeNames.has(range) && (family === 0 || !prefixValid || extra !== undefined)) {
      throw new ConfigError(`Invalid configuration: TRUST_PROXY has an invalid address or range "${range}"`)
    }
  }
  return ranges
}

/** ADMIN_TOKEN's tokens: one, or two during a rotation. */
export function parseAdminTokens (adminToken: string | undefined): string[] {
  return adminToken?.split(',') ?? []
}

/** The `clientId` of each bearer token in API_KEYS (a client may hold two during a rotation). */
export function parseApiKeys (apiKeys: string | undefined): Map<string, string> {
  const clients = new Map<string, string>()
  for (const pair of apiKeys?.split(',') ?? []) {
    const separator = pair.indexOf(':')
    clients.set(pair.slice(separator + 1), pair.slice(0, separator))
  }
  return clients
}

/** Whether a real Redis is configured (otherwise the embedded store runs). */
export function hasRedis (config: Pick<Config, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_CLUSTER_NODES'>): boolean {
  return config.REDIS_URL !== undefined || config.REDIS_SENTINELS !== undefined || config.REDIS_CLUSTER_NODES !== undefined
}

/** host:port lists: Cluster seeds and Sentinels. */
export function parseClusterNodes (nodes: string): Array<{ host: string, port: number }> {
  return nodes.split(',').map(node => {
    const separator = node.lastIndexOf(':')
    return { host: node.slice(0, separator), port: Number(node.slice(separator + 1)) }
  })
}
