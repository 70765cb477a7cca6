// The demo page's HTML and its Content-Security-Policy: the page runs its own module and Razorpay Checkout's script,
// which shows its dialog in a frame of its own origin, and nothing else.
import type { HelmetOptions } from 'helmet'

export interface DemoPageSettings {
  checkoutScriptUrl: string
  variantIds: string[]
  /** API_KEYS is set: the page asks for a client token (a staging setup; see the README). */
  requiresToken: boolean
}

function escapeAttribute (value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The template with the Checkout script's URL and the page's settings; `<` is escaped so no value can end the script element. */
export function renderDemoPage (template: string, settings: DemoPageSettings): string {
  const json = JSON.stringify(settings).replace(/</g, '\\u003c')
  return template
    .replace('%CHECKOUT_SCRIPT_URL%', escapeAttribute(settings.checkoutScriptUrl))
    .replace('%DEMO_SETTINGS%', json)
}

/**
 * Razorpay's own script (checkout.razorpay.com) opens its frame on api.razorpay.com and reports to other razorpay.com
 * hosts; the emulator's stand-in does all of it from its one origin.
 */
export function demoHeaders (checkoutScriptUrl: string): HelmetOptions {
  const { origin, hostname } = new URL(checkoutScriptUrl)
  const checkout = hostname.endsWith('.razorpay.com') ? [origin, 'https://*.razorpay.com'] : [origin]
  return {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        scriptSrc: ["'self'", ...checkout],
        frameSrc: checkout,
        connectSrc: ["'self'", ...checkout],
        imgSrc: ["'self'", 'data:', ...checkout],
        // Plain http works on localhost: no upgrade of the page's requests to https.
        upgradeInsecureRequests: null
      }
    },
    frameguard: { action: 'deny' },
    // Checkout may open a popup (a bank's page, a UPI app) that must still reach the page that opened it.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' }
  }
}
