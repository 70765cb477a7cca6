// The Dockerfile and .dockerignore as data, read with a real Dockerfile parser (dockerfile-ast): stages, their ENV,
// COPY, RUN, USER, CMD and HEALTHCHECK, for the tests that check the image and reproduce its steps without Docker.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DockerfileParser, type Cmd, type Copy, type Env, type Healthcheck, type Instruction } from 'dockerfile-ast'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export interface Stage {
  /** `AS <name>`, if any. */
  name: string | null
  image: string
  instructions: Instruction[]
}

export function readStages (text = readFileSync(`${repoRoot}Dockerfile`, 'utf8')): Stage[] {
  const stages: Stage[] = []
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map(a => a.getValue())
      const as = args.findIndex(a => a.toUpperCase() === 'AS')
      stages.push({ image: args[0], name: as >= 0 ? args[as + 1] : null, instructions: [] })
    } else {
      if (stages.length === 0) throw new Error(`${instruction.getKeyword()} before the first FROM`)
      stages[stages.length - 1].instructions.push(instruction)
    }
  }
  return stages
}

function of (stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter(i => i.getKeyword() === keyword)
}

/** The stage's ENV, later values winning. */
export function stageEnv (stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const instruction of of(stage, 'ENV')) {
    for (const property of (instruction as Env).getProperties()) {
      env[property.getName()] = property.getValue() ?? ''
    }
  }
  return env
}

export interface CopyStep { from: string | null, chown: string | null, sources: string[], destination: string }

export function copySteps (stage: Stage): CopyStep[] {
  return of(stage, 'COPY').map(instruction => {
    const copy = instruction as Copy
    const flag = (name: string): string | null => copy.getFlags().find(f => f.getName() === name)?.getValue() ?? null
    const args = copy.getArguments().map(a => a.getValue())
    return { from: flag('from'), chown: flag('chown'), sources: args.slice(0, -1), destination: args[args.length - 1] }
  })
}

/** Each RUN as its shell commands (split on `&&` and `;`), each command as its words. */
export function runCommands (stage: Stage): string[][][] {
  return of(stage, 'RUN').map(run => {
    const commands: string[][] = [[]]
    for (const word of run.getArguments().map(a => a.getValue())) {
      if (word === '&&' || word === ';') commands.push([])
      else commands[commands.length - 1].push(word)
    }
    return commands.filter(command => command.length > 0)
  })
}

/** The user the stage's processes run as (the last USER), or null for the base image's (root in node images). */
export function stageUser (stage: Stage): string | null {
  const users = of(stage, 'USER')
  return users.length === 0 ? null : users[users.length - 1].getArguments()[0].getValue()
}

/** CMD or ENTRYPOINT in exec form (JSON array); null when absent; throws on the shell form. */
export function execForm (stage: Stage, keyword: 'CMD' | 'ENTRYPOINT'): string[] | null {
  const found = of(stage, keyword)
  if (found.length === 0) return null
  const instruction = found[found.length - 1] as Cmd
  const strings = instruction.getJSONStrings().map(s => s.getJSONValue())
  if (strings.length === 0) throw new Error(`${keyword} is in shell form: node would run under /bin/sh and miss SIGTERM`)
  return strings
}

export interface HealthcheckSpec { flags: Record<string, string>, command: string[] }

/** HEALTHCHECK's flags and its CMD (exec form only: the shell form needs a shell the check would depend on). */
export function healthcheck (stage: Stage): HealthcheckSpec | null {
  const found = of(stage, 'HEALTHCHECK')
  if (found.length === 0) return null
  const check = found[found.length - 1] as Healthcheck
  const flags = Object.fromEntries(check.getFlags().map(f => [f.getName(), f.getValue() ?? '']))
  const content = check.getArgumentsContent() ?? ''
  const json = content.slice(content.indexOf('[', content.search(/\bCMD\b/)))
  if (check.getSubcommand()?.getValue().toUpperCase() !== 'CMD' || !json.startsWith('[')) {
    throw new Error(`HEALTHCHECK is not in exec form: ${content}`)
  }
  return { flags, command: JSON.parse(json) as string[] }
}

/**
 * `.dockerignore` as the builder applies it: patterns relative to the context root, `*` within a path segment,
 * `**` across segments, `!` re-including, the last matching line winning; a match on a directory covers its contents.
 */
export function dockerIgnore (text = readFileSync(`${repoRoot}.dockerignore`, 'utf8')): (path: string) => boolean {
  const rules = text.split('\n').map(line => line.trim()).filter(line => line !== '' && !line.startsWith('#')).map(line => {
    const negated = line.startsWith('!')
    const pattern = (negated ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '')
    const source = pattern.split('/').map(segment => segment === '**'
      ? '.*'
      : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/')
    return { negated, regex: new RegExp(`^${source.replace(/\.\*\//g, '(.*/)?')}(/.*)?$`) }
  })
  return (path: string) => {
    let ignored = false
    for (const rule of rules) if (rule.regex.test(path)) ignored = !rule.negated
    return ignored
  }
}
