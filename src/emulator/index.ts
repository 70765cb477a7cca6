// The Razorpay emulator: a local stand-in for the Razorpay API, used by the tests and started
// in-process by the service when no Razorpay keys are configured.
export type { EmulatorOptions, RunningEmulator } from './options.js'
export { EMULATOR_DEFAULTS } from './options.js'
export { buildEmulator, startEmulator } from './server.js'
