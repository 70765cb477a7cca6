// Shared pieces of the store contract suite: the test signature, script helpers and polling. No fixed sleeps: a
// test waits for the event it needs, or proves an absence with a marker that would arrive after it.
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

/**
 * Polls `check` until it holds; for real-time expiry and pub/sub, instead of fixed sleeps. The deadline only ends a
 * test that went wrong: pass one no loaded machine reaches.
 */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  return await check()
}

/**
 * A check a Redis Cluster cannot pass for a reason of its own: a subtest, reported as skipped with `reason` on a
 * Cluster (never silently left out, never counted as a pass).
 */
export async function exceptOnCluster (t: Test, store: Store, name: string, reason: string,
  check: (t: Test) => Promise<unknown> | unknown): Promise<void> {
  await t.test(name, { skip: store.kind === 'cluster' ? reason : false }, async t => { await check(t) })
}
