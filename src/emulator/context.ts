// Everything one emulator instance holds, handed to its route plugins as an option.
import type { FaultInjector } from './faults.js'
import type { ResolvedOptions } from './options.js'
import type { EmulatorStore } from './store.js'
import type { WebhookDispatcher } from './webhooks.js'

export interface EmulatorContext {
  options: ResolvedOptions
  store: EmulatorStore
  webhooks: WebhookDispatcher
  faults: FaultInjector
  /** `METHOD /pattern` of every /v1 route served: the routes a fault rule may name. */
  routes: Set<string>
}

export interface ContextOptions {
  ctx: EmulatorContext
}
