// deploy/docker-compose.yml as data (parsed with `yaml`, merge keys on, as Compose reads them), and the translation
// of a container's environment to local processes: service hostnames become 127.0.0.1, container ports free ports.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { repoRoot, type Stage, execForm, stageEnv } from './dockerfile-model.js'

export interface ComposeService {
  image?: string
  build?: { context: string, dockerfile?: string }
  command?: string[]
  environment?: Record<string, string | number | boolean | null>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[], interval?: string, timeout?: string, retries?: number, start_period?: string }
  stop_grace_period?: string
}

export interface ComposeFile { services: Record<string, ComposeService>, volumes?: Record<string, unknown> }

export const composePath = `${repoRoot}deploy/docker-compose.yml`

export function loadCompose (text = readFileSync(composePath, 'utf8')): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile
}

/** What the container's processes see: the image's ENV (for services built from the Dockerfile) under `environment`. */
export function containerEnv (service: ComposeService, runtime: Stage): Record<string, string> {
  const env = service.build !== undefined ? stageEnv(runtime) : {}
  for (const [name, value] of Object.entries(service.environment ?? {})) {
    if (value !== null) env[name] = String(value)
  }
  return env
}

/** The command the container runs: its own, or the image's CMD. */
export function containerCommand (service: ComposeService, runtime: Stage): string[] {
  const command = service.command ?? execForm(runtime, 'CMD')
  if (command === null) throw new Error('no command and no CMD')
  return command
}

export interface PublishedPort { hostIp: string | null, hostPort: number, containerPort: number }

/** Compose's short port syntax: `[ip:]host:container` or `container`. */
export function publishedPorts (service: ComposeService): PublishedPort[] {
  return (service.ports ?? []).map(spec => {
    const parts = String(spec).replace(/\/(tcp|udp)$/, '').split(':')
    const containerPort = Number(parts[parts.length - 1])
    if (parts.length === 1) return { hostIp: null, hostPort: containerPort, containerPort }
    return { hostIp: parts.length === 3 ? parts[0] : null, hostPort: Number(parts[parts.length - 2]), containerPort }
  })
}

/** Compose durations as seconds ("35s", "1m30s"). */
export function seconds (duration: string | undefined): number {
  let total = 0
  for (const [, value, unit] of (duration ?? '').matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) {
    total += Number(value) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as Record<string, number>)[unit]
  }
  return total
}

/**
 * Points `service:port` in every value at the local process serving it (`addresses` maps `service:port` to
 * `127.0.0.1:localPort`) and wildcard binds at loopback: the local stand-in never listens beyond this machine.
 */
export function localEnv (env: Record<string, string>, addresses: Record<string, string>): Record<string, string> {
  const local: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    local[name] = value === '0.0.0.0'
      ? '127.0.0.1'
      : value.replace(/([a-z0-9][a-z0-9-]*):(\d+)/g, (whole: string) => addresses[whole] ?? whole)
  }
  return local
}

/** A container's `dist/…js` as its TypeScript source, for running the stack from source with tsx. */
export function sourceOf (script: string): string {
  const match = /^dist\/(.+)\.js$/.exec(script)
  if (match === null) throw new Error(`not a script of dist/: ${script}`)
  return `${match[1]}.ts`
}
