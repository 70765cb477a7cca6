// The Razorpay emulator's stand-in for https://checkout.razorpay.com/v1/checkout.js: defines window.Razorpay with
// the documented Standard Checkout API (options, handler, payment.failed, modal.ondismiss, modal.escape, open,
// close) and, like the real script, shows the payment dialog in a full-screen iframe served from its own origin.
(function () {
  'use strict'

  const script = document.currentScript
  if (script === null || !script.src) throw new Error('checkout.js must be loaded by a <script src> tag')
  const origin = new URL(script.src).origin
  const MESSAGE_SOURCE = 'razorpay-emulator-dialog'

  function isObject (value) {
    return typeof value === 'object' && value !== null
  }

  // What the dialog shows and pays with; functions never leave the page.
  function displayOptions (options) {
    return {
      key: options.key,
      order_id: options.order_id,
      amount: options.amount,
      currency: options.currency || 'INR',
      name: options.name,
      description: options.description,
      prefill: isObject(options.prefill) ? options.prefill : {},
      notes: isObject(options.notes) ? options.notes : {},
      theme: isObject(options.theme) ? { color: options.theme.color } : {},
      origin: window.location.origin
    }
  }

  // Messages Razorpay's own checkout.js throws for options it refuses.
  function checkOptions (options) {
    if (!isObject(options)) throw new Error('Invalid options')
    if (isObject(options.notes) && Object.keys(options.notes).length > 15) {
      throw new Error('Invalid notes (At most 15 notes are allowed)')
    }
    if (!options.key) throw new Error('No key passed')
  }

  function retryEnabled (options) {
    const retry = isObject(options.retry) ? options.retry.enabled : options.retry
    return retry !== false
  }

  function Razorpay (options) {
    if (!(this instanceof Razorpay)) return new Razorpay(options)
    checkOptions(options)
    this.options = options
    this._events = {}
    this._container = null
    this._frame = null
    this._onMessage = this._onMessage.bind(this)
    this._onKeydown = this._onKeydown.bind(this)
  }

  Razorpay.prototype.on = function (event, listener) {
    if (typeof event === 'string' && typeof listener === 'function') {
      (this._events[event] = this._events[event] || []).push(listener)
    }
    return this
  }

  Razorpay.prototype.emit = function (event, payload) {
    for (const listener of this._events[event] || []) {
      try {
        listener.call(this, payload)
      } catch (err) {
        console.error(err)
      }
    }
    return this
  }

  Razorpay.prototype.open = function () {
    // One dialog per instance: a second open() while it shows is a no-op.
    if (this._container !== null) return this
    const container = document.createElement('div')
    container.className = 'razorpay-container'
    Object.assign(container.style, {
      position: 'fixed',
      inset: '0',
      zIndex: '2147483647',
      background: (isObject(this.options.theme) && this.options.theme.backdrop_color) || 'rgba(0, 0, 0, 0.6)'
    })
    const frame = document.createElement('iframe')
    frame.className = 'razorpay-checkout-frame'
    frame.title = 'Razorpay Checkout'
    frame.setAttribute('allowtransparency', 'true')
    Object.assign(frame.style, { width: '100%', height: '100%', border: '0', display: 'block', background: 'transparent' })
    frame.src = origin + '/checkout/dialog#' + encodeURIComponent(JSON.stringify(displayOptions(this.options)))
    container.appendChild(frame)

    this._container = container
    this._frame = frame
    this._overflow = document.body.style.overflow
    document.body.style.overflow = 'hidden'
    window.addEventListener('message', this._onMessage)
    document.addEventListener('keydown', this._onKeydown)
    document.body.appendChild(container)
    return this
  }

  // As in Razorpay's script, closing from code dismisses: modal.ondismiss runs.
  Razorpay.prototype.close = function () {
    this._dismiss()
  }

  Razorpay.prototype._remove = function () {
    if (this._container === null) return false
    window.removeEventListener('message', this._onMessage)
    document.removeEventListener('keydown', this._onKeydown)
    this._container.remove()
    this._container = null
    this._frame = null
    document.body.style.overflow = this._overflow
    return true
  }

  Razorpay.prototype._dismiss = function (reason) {
    if (!this._remove()) return
    const modal = isObject(this.options.modal) ? this.options.modal : {}
    if (typeof modal.ondismiss === 'function') setTimeout(function () { modal.ondismiss(reason) })
  }

  Razorpay.prototype._escape = function () {
    const modal = isObject(this.options.modal) ? this.options.modal : {}
    if (modal.escape !== false) this._dismiss()
  }

  Razorpay.prototype._onKeydown = function (event) {
    if (event.key === 'Escape') this._escape()
  }

  // Only the dialog this instance framed may speak: its origin and its very window, nothing the page or
  // another frame posts.
  Razorpay.prototype._onMessage = function (event) {
    if (this._frame === null || event.origin !== origin || event.source !== this._frame.contentWindow) return
    const message = event.data
    if (!isObject(message) || message.source !== MESSAGE_SOURCE) return
    const options = this.options
    const self = this
    if (message.event === 'success') {
      this._remove()
      const response = {
        razorpay_payment_id: message.data.razorpay_payment_id,
        razorpay_order_id: message.data.razorpay_order_id,
        razorpay_signature: message.data.razorpay_signature
      }
      if (typeof options.handler === 'function') setTimeout(function () { options.handler.call(self, response) })
    } else if (message.event === 'failed') {
      const response = { error: message.data.error }
      this.emit('payment.error', response)
      this.emit('payment.failed', response)
      // Retry is on by default: the dialog stays for another attempt. Without it Checkout closes and says why.
      if (!retryEnabled(options)) this._dismiss(response)
    } else if (message.event === 'dismiss') {
      this._dismiss()
    } else if (message.event === 'escape') {
      this._escape()
    }
  }

  window.Razorpay = Razorpay
})()
