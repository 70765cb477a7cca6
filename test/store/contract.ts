// The store contract: one suite run against a real Redis, a Redis Cluster and the embedded store, so the
// embedded store is proven to behave like Redis. Each test gets a fresh store and keys under its own {tag}.
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import { dataContract } from './contract-data.js'
import type { ContractTest, MakeStore } from './contract-helpers.js'
import { scriptContract } from './contract-scripts.js'

export type { MakeStore, StoreFixture } from './contract-helpers.js'

export function storeContract (t: Test, name: string, makeStore: MakeStore): void {
  const test: ContractTest = (title, body) => {
    t.test(`${name}: ${title}`, async t => {
      const { store, cleanup } = await makeStore()
      t.teardown(cleanup)
      const tag = `{contract-${randomUUID()}}`
      await body(t, { store, key: name => `${tag}:${name}` })
    })
  }
  dataContract(test)
  scriptContract(test)
}
