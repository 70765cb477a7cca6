// Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core (no browser download).
// The flags keep Chromium off the network this machine does not have (background services, QUIC, updates).
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import type { TestContext } from '../helper.js'

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((path): path is string => path !== undefined)

/** Where the browser is, or undefined: `.ci/run` installs Debian's chromium when it is missing. */
export function chromiumPath (): string | undefined {
  return candidates.find((path) => existsSync(path))
}

export async function launchBrowser (t: TestContext): Promise<Browser> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error(`no Chromium at ${candidates.join(', ')}: apt-get install chromium, or set CHROMIUM_PATH`)
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  })
  t.teardown(async () => await browser.close())
  return browser
}
