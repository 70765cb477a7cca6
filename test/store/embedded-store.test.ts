// Runs the store contract against the embedded in-process store: the proof it behaves like Redis.
import t from 'tap'
import { EmbeddedStore } from '../../src/store/embedded/embedded-store.js'
import { storeContract } from './contract.js'

storeContract(t, 'embedded', async () => {
  const store = new EmbeddedStore()
  return { store, cleanup: async () => await store.close() }
})
