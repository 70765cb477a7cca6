// The image's file tree without Docker: the Dockerfile's steps replayed in a temporary directory. The build stage's
// COPY steps copy from the repository (minus .dockerignore) and its RUN steps run, with two substitutions that keep
// the result the same: `npm ci` links the repository's node_modules (same lockfile) instead of installing again, and
// `npm prune --omit=dev` becomes `npm ci --omit=dev` in the runtime tree (pruning would act on the linked tree).
import { cpSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { copySteps, dockerIgnore, repoRoot, runCommands, type Stage } from './dockerfile-model.js'
import { runToEnd } from './processes.js'

export interface ImageTree {
  /** The runtime stage's WORKDIR: what `CMD` runs in. */
  app: string
  /** One line per step, for the test's log. */
  steps: string[]
}

/** npm with the test's environment (the npm registry and cache settings), minus tap's loaders. */
async function npm (args: string[], cwd: string): Promise<void> {
  if (existsSync(join(cwd, 'node_modules')) && lstatSync(join(cwd, 'node_modules')).isSymbolicLink() && args[0] !== 'run') {
    throw new Error(`refusing npm ${args.join(' ')} in ${cwd}: its node_modules is the repository's`)
  }
  // env -u: tap's process-info hook would put its loader into npm's NODE_OPTIONS (and tsc's, and the scripts').
  const { code, output } = await runToEnd('env', ['-u', 'NODE_OPTIONS', 'npm', ...args], cwd)
  if (code !== 0) throw new Error(`npm ${args.join(' ')} failed (${String(code)}):\n${output}`)
}

/** COPY from the build context: the repository as the builder sees it, after .dockerignore. */
function copyFromContext (sources: string[], destination: string, into: string): void {
  const ignored = dockerIgnore()
  for (const source of sources) {
    if (ignored(source)) throw new Error(`COPY ${source}: excluded from the build context by .dockerignore`)
    const target = destination.endsWith('/') ? join(into, destination, source.split('/').at(-1)!) : join(into, destination)
    mkdirSync(dirname(target), { recursive: true })
    cpSync(join(repoRoot, source), target, { recursive: true, filter: path => !ignored(relative(repoRoot, path)) })
  }
}

async function replayBuild (stage: Stage, dir: string, steps: string[]): Promise<void> {
  const copies = copySteps(stage)
  const runs = runCommands(stage)
  for (const instruction of stage.instructions) {
    const keyword = instruction.getKeyword()
    if (keyword === 'COPY') {
      const copy = copies.shift()!
      if (copy.from !== null) throw new Error('COPY --from in the build stage: teach the reproduction about it')
      copyFromContext(copy.sources, copy.destination, dir)
      steps.push(`COPY ${copy.sources.join(' ')}`)
    } else if (keyword === 'RUN') {
      for (const command of runs.shift()!) {
        const line = command.join(' ')
        if (command[0] === 'npm' && command[1] === 'ci' && !command.some(word => /^--omit=dev$|^--production$/.test(word))) {
          symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir')
          steps.push(`${line}: linked the repository's node_modules (same package-lock.json)`)
        } else if (command[0] === 'npm' && command[1] === 'run') {
          await npm(command.slice(1), dir)
          steps.push(line)
        } else if (command[0] === 'npm' && command[1] === 'prune' && command.includes('--omit=dev')) {
          steps.push(`${line}: done as npm ci --omit=dev in the runtime tree`)
        } else {
          throw new Error(`RUN ${line}: the reproduction does not know this step; teach test/deploy/image-tree.ts about it`)
        }
      }
    } else if (!['WORKDIR', 'ENV', 'ARG', 'LABEL'].includes(keyword)) {
      throw new Error(`${keyword} in the build stage: teach the reproduction about it`)
    }
  }
}

/** Replays the build stage, then the runtime stage's COPY --from=build steps, under `root`. */
export async function reproduceImage (build: Stage, runtime: Stage, root: string): Promise<ImageTree> {
  const steps: string[] = []
  const buildDir = join(root, 'build')
  const app = join(root, 'app')
  mkdirSync(buildDir, { recursive: true })
  mkdirSync(app, { recursive: true })
  await replayBuild(build, buildDir, steps)
  for (const copy of copySteps(runtime)) {
    if (copy.from !== build.name) throw new Error(`runtime COPY ${copy.sources.join(' ')} not from the build stage`)
    for (const source of copy.sources) {
      const inBuild = relative('/app', source)
      const target = join(app, copy.destination)
      if (inBuild === 'node_modules') {
        // The build stage's node_modules after `npm prune --omit=dev`: the lockfile's production tree.
        cpSync(join(buildDir, 'package-lock.json'), join(app, 'package-lock.json'))
        cpSync(join(buildDir, 'package.json'), join(app, 'package.json'))
        await npm(['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], app)
        rmSync(join(app, 'package-lock.json'))
        steps.push('COPY node_modules: npm ci --omit=dev')
      } else {
        cpSync(join(buildDir, inBuild), target, { recursive: true })
        steps.push(`COPY --from=${String(copy.from)} ${source}`)
      }
    }
  }
  return { app, steps }
}
