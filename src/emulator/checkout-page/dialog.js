// The emulator's test-mode Checkout dialog, framed by checkout.js: shows the order, pays it (or fails it) through
// POST /checkout/payments and tells the page that framed it what happened, by postMessage to that page's origin.
(function () {
  'use strict'

  const MESSAGE_SOURCE = 'razorpay-emulator-dialog'
  const options = readOptions()
  const payButton = document.getElementById('rzp-pay')
  const failButton = document.getElementById('rzp-fail')
  const closeButton = document.getElementById('rzp-close')
  const status = document.getElementById('rzp-status')
  let busy = false

  function readOptions () {
    try {
      const parsed = JSON.parse(decodeURIComponent(window.location.hash.slice(1)))
      return typeof parsed === 'object' && parsed !== null ? parsed : {}
    } catch {
      return {}
    }
  }

  // 1499 INR is ₹14.99: amounts are in the currency's smallest unit, whose size Intl knows (JPY has none).
  function formatAmount (amount, currency) {
    if (!Number.isInteger(amount)) return ''
    try {
      const format = new Intl.NumberFormat('en-IN', { style: 'currency', currency })
      return format.format(amount / 10 ** format.resolvedOptions().maximumFractionDigits)
    } catch {
      return amount + ' ' + currency
    }
  }

  function show (id, text) {
    const element = document.getElementById(id)
    element.textContent = text
    return element
  }

  function showRow (name, value) {
    if (typeof value !== 'string' && typeof value !== 'number') return
    show('rzp-' + name, String(value))
    document.getElementById('rzp-' + name + '-row').hidden = false
    document.getElementById('rzp-customer').hidden = false
  }

  function render () {
    const amount = formatAmount(options.amount, options.currency || 'INR')
    show('rzp-merchant', options.name || 'Merchant')
    show('rzp-description', options.description || '')
    show('rzp-amount', amount)
    payButton.textContent = amount === '' ? 'Pay' : 'Pay ' + amount
    const prefill = options.prefill || {}
    showRow('contact', prefill.contact)
    showRow('email', prefill.email)
    const color = options.theme && options.theme.color
    if (typeof color === 'string' && window.CSS && window.CSS.supports('color', color)) {
      document.documentElement.style.setProperty('--theme', color)
    }
  }

  function tell (event, data) {
    // A page opened from a file has the opaque origin "null", which postMessage cannot target.
    const target = typeof options.origin === 'string' && options.origin !== 'null' ? options.origin : '*'
    window.parent.postMessage({ source: MESSAGE_SOURCE, event, data }, target)
  }

  function setBusy (value) {
    busy = value
    payButton.disabled = value
    failButton.disabled = value
    closeButton.disabled = value
  }

  function say (text, isError) {
    status.textContent = text
    status.classList.toggle('error', isError === true)
  }

  async function pay (outcome) {
    // Buttons go disabled before the request leaves: a double click makes one payment.
    if (busy) return
    setBusy(true)
    say('Processing payment…')
    try {
      const response = await fetch('payments', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key_id: options.key, order_id: options.order_id, outcome })
      })
      const body = await response.json()
      if (!response.ok) {
        say((body.error && body.error.description) || 'The payment could not be made (HTTP ' + response.status + ').', true)
      } else if (body.error) {
        say(body.error.description.replace(/\.$/, '') + '. Press Pay to retry, or close.', true)
        tell('failed', body)
      } else {
        say('Payment successful.')
        tell('success', body)
        return
      }
    } catch (err) {
      say('Could not reach the Razorpay emulator: ' + err.message, true)
    }
    setBusy(false)
  }

  payButton.addEventListener('click', function () { pay('captured') })
  failButton.addEventListener('click', function () { pay('failed') })
  closeButton.addEventListener('click', function () { tell('dismiss') })
  document.addEventListener('keydown', function (event) {
    // Whether Escape closes is the page's option (modal.escape), which checkout.js holds.
    if (event.key === 'Escape' && !busy) tell('escape')
  })

  render()
  payButton.focus()
})()
