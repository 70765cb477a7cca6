// The demo page's files, read once at start. The page imports the payment client's own modules: the build's
// JavaScript (dist/client), or, when the service runs from its TypeScript sources (npm run dev, the tests), those
// sources with their types stripped at start by esbuild, the dev dependency tsx itself runs on (TypeScript's own
// transpiler takes seconds just to load). Either way the browser runs exactly the module Node callers import.
import { readFile } from 'node:fs/promises'

export interface DemoAsset { body: string, contentType: string }

const publicDir = new URL('./public/', import.meta.url)
const clientDir = new URL('../../client/', import.meta.url)
const clientModules = ['index', 'key-store']

const javascript = 'text/javascript; charset=utf-8'

async function clientModule (name: string): Promise<string> {
  try {
    return await readFile(new URL(`${name}.js`, clientDir), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const source = await readFile(new URL(`${name}.ts`, clientDir), 'utf8')
  const { transform } = await import('esbuild')
  return (await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' })).code
}

/** The page's files by URL path under /demo/, and the page's HTML template. */
export async function loadDemoAssets (): Promise<{ page: string, files: Map<string, DemoAsset> }> {
  const files = new Map<string, DemoAsset>([
    ['checkout.css', { body: await readFile(new URL('checkout.css', publicDir), 'utf8'), contentType: 'text/css; charset=utf-8' }],
    ['checkout.js', { body: await readFile(new URL('checkout.js', publicDir), 'utf8'), contentType: javascript }]
  ])
  for (const name of clientModules) {
    // No source map travels with it: the comment would only make the browser ask for a file that is not served.
    const body = (await clientModule(name)).replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n')
    files.set(`client/${name}.js`, { body, contentType: javascript })
  }
  return { page: await readFile(new URL('index.html', publicDir), 'utf8'), files }
}
