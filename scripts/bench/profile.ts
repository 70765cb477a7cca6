// Summarises V8 .cpuprofile files (from `npm run bench -- --profile <dir>`): the functions and the packages with the
// most self time, and the service functions with the most total time. Also a CLI: `tsx scripts/bench/profile.ts <file|dir>`.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

const idle = new Set(['(idle)', '(program)'])

function frameName (node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(dist|src|plugins|schemas)\//, '$1/')
  return `${functionName === '' ? '(anonymous)' : functionName} ${file === '' ? '' : `${file}:${lineNumber + 1}`}`.trim()
}

/** Where time goes, coarsely: a package, the service's own code, Node's internals, or V8 (GC, compiler). */
function owner (node: ProfileNode): string {
  const { functionName, url } = node.callFrame
  if (url === '') return functionName.startsWith('(') ? functionName : 'native'
  if (url.startsWith('node:')) return 'node internals'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1]
  return 'service code'
}

export function summarizeProfile (file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<string, number>()
  const owners = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let busy = 0
  let all = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i])
    const dt = profile.timeDeltas[i] ?? 0
    if (node === undefined) continue
    all += dt
    if (idle.has(node.callFrame.functionName)) continue
    busy += dt
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + dt)
    owners.set(owner(node), (owners.get(owner(node)) ?? 0) + dt)
    const seen = new Set<string>()
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)
      if (frame === undefined || owner(frame) !== 'service code') continue
      const name = frameName(frame)
      if (seen.has(name)) continue
      seen.add(name)
      inclusive.set(name, (inclusive.get(name) ?? 0) + dt)
    }
  }
  const percent = (us: number): string => `${(us / busy * 100).toFixed(1).padStart(5)}%`
  const list = (map: Map<string, number>, n: number): string[] =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => `  ${percent(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`)
  return [
    `${file}: ${(all / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)`,
    'self time by owner:', ...list(owners, 15),
    `top ${top} functions by self time:`, ...list(self, top),
    'service functions by total time (callees included):', ...list(inclusive, 15)
  ].join('\n')
}

/** The .cpuprofile files under a directory (or the file itself). */
export function profileFiles (path: string): string[] {
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path, { withFileTypes: true }).flatMap(entry => {
    const full = join(path, entry.name)
    return entry.isDirectory() ? profileFiles(full) : entry.name.endsWith('.cpuprofile') ? [full] : []
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, top] = process.argv.slice(2)
  if (path === undefined) {
    console.error('usage: tsx scripts/bench/profile.ts <file.cpuprofile | directory> [top]')
    process.exit(2)
  }
  for (const file of profileFiles(path)) console.log(summarizeProfile(file, Number(top ?? 25)) + '\n')
}
