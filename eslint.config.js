import { createRequire } from 'node:module'
import neostandard from 'neostandard'

// `globals` is neostandard's own dependency, not this project's: resolve it from there rather than rely on hoisting.
const globals = createRequire(import.meta.resolve('neostandard'))('globals')

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'bench/**', 'node_modules/**'] }),
  {
    // Scripts the browser runs as they are, without a bundler: the Checkout stand-in and the demo page.
    name: 'browser-scripts',
    files: ['src/emulator/checkout-page/**/*.js', 'src/demo/public/**/*.js'],
    languageOptions: { globals: globals.browser }
  },
  {
    // Loaded by a classic <script> tag, as Razorpay's checkout.js is: not a module.
    name: 'checkout-classic-scripts',
    files: ['src/emulator/checkout-page/**/*.js'],
    languageOptions: { sourceType: 'script' }
  }
]
