// Shared pieces of the store contract suite: the test signature, script helpers and polling.
import { createHash, randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { defineScript, type Store, type StoreScript } from '../../src/store/store.js'

export interface StoreFixture {
  store: Store
  cleanup (): Promise<void>
}

export type MakeStore = () => Promise<StoreFixture>

/** What one contract test receives: its store and a key maker whose keys share one hash slot. */
export interface ContractContext {
  store: Store
  key (name: string): string
}

export type ContractTest = (title: string, body: (t: Test, context: ContractContext) => Promise<void>) => void

export function fixtureScript (name: string): StoreScript {
  return defineScript(name, new URL(`./fixtures/${name}.lua`, import.meta.url))
}

/** A script made here; a random comment gives it a sha no store has seen. */
export function freshScript (source: string): StoreScript {
  const text = `-- ${randomUUID()}\n${source}`
  return { name: 'fresh', source: text, sha: createHash('sha1').update(text).digest('hex') }
}

/** Polls `check` until it holds; for real-time expiry and pub/sub, instead of fixed sleeps. */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  return await check()
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
