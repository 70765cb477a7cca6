// Fixtures of the operability tests: an app whose log lines a test can read, and the value of one series of /metrics.
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/build-app.js'
import { loadConfig } from '../../src/config.js'
import { testEnv, type TestContext } from '../helper.js'

export type LogLine = Record<string, unknown> & { level: number, msg: string }

/** Builds the app like test/helper.ts' build, with its log lines (info and above) collected into `lines`. */
export async function loggedApp (t: TestContext, env: Record<string, string>, lines: LogLine[]): Promise<FastifyInstance> {
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      done()
    }
  })
  const app = await buildApp({ config: loadConfig({ ...testEnv, ...env }), logger: { level: 'info', stream } })
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

export const errorLevel = 50

export async function scrape (app: FastifyInstance): Promise<string> {
  const answer = await app.operations.inject({ method: 'GET', url: '/metrics' })
  if (answer.statusCode !== 200) throw new Error(`/metrics answered ${answer.statusCode}`)
  return answer.body
}

/** The series' value, or undefined when /metrics does not have it. Labels must be given in their exported order. */
export function seriesValue (metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const rendered = Object.entries(labels).map(([key, value]) => `${key}="${value}"`).join(',')
  const prefix = rendered === '' ? `${name} ` : `${name}{${rendered}} `
  const line = metrics.split('\n').find(candidate => candidate.startsWith(prefix))
  return line === undefined ? undefined : Number(line.slice(prefix.length))
}

/** Every series of `name` (label sets and values). */
export function series (metrics: string, name: string): Array<{ labels: string, value: number }> {
  return metrics.split('\n')
    .filter(line => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map(line => {
      const split = line.lastIndexOf(' ')
      return { labels: line.slice(name.length, split), value: Number(line.slice(split + 1)) }
    })
}
