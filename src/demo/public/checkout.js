// The demo page: pays for a catalog variant with the payment client (the very module Node callers import) around
// Razorpay Checkout. One payment is one operation of the client: its Idempotency-Key is kept in this tab's session
// storage from the first click until the order is paid, so a double click, a reload or a retry after a network
// failure all send the same key and get the same order back.
import { MemoryKeyStore, PaymentApiError, PaymentClient, SessionStorageKeyStore, newIdempotencyKey } from './client/index.js'

const operationId = 'demo-checkout'
const settings = JSON.parse(document.getElementById('demo-settings').textContent)
const byId = (id) => document.getElementById(id)

const tabStorage = openTabStorage()
// Where the tab keeps its state across a reload: the client's keys, and the page's own (its cart, session, token).
const tabStore = (prefix) => tabStorage === undefined ? new MemoryKeyStore() : new SessionStorageKeyStore(tabStorage, prefix)
const keyStore = tabStore(undefined)
const pageState = tabStore('demo:')
const variants = new Map()
let client = makeClient()
let busy = false

/** Session storage, or undefined where the browser refuses it (state then lasts as long as the page). */
function openTabStorage () {
  try {
    return window.sessionStorage
  } catch {
    return undefined
  }
}

function makeClient () {
  const token = byId('token').value.trim()
  return new PaymentClient({ baseUrl: window.location.origin, token: token === '' ? undefined : token, keyStore, timeoutMs: 15_000 })
}

/** The shopper's session for the service's risk rules: one per tab. */
function sessionId () {
  let id = pageState.get('session')
  if (id === undefined) {
    id = `sess_${newIdempotencyKey().replace(/-/g, '').slice(0, 20)}`
    pageState.set('session', id)
  }
  return id
}

function money (paise, currency) {
  return new Intl.NumberFormat('en-IN', { style: 'currency', currency }).format(paise / 100)
}

function step (name, text, tone = 'ok') {
  const item = document.createElement('li')
  item.dataset.step = name
  item.className = tone
  item.textContent = text
  byId('steps').append(item)
}

function describe (err) {
  if (err instanceof PaymentApiError) {
    const attempts = err.attempts > 1 ? ` after ${err.attempts} attempts` : ''
    return `${err.code}: ${err.message}${attempts}`
  }
  return err instanceof Error ? err.message : String(err)
}

function setBusy (value) {
  busy = value
  for (const id of ['pay', 'pay-again', 'start-over', 'variant', 'quantity']) byId(id).disabled = value
}

function show (panel) {
  for (const id of ['unpaid', 'paid']) byId(id).hidden = id !== panel
  byId('cart').hidden = panel === 'paid'
}

function currentCart () {
  return { variantId: byId('variant').value, quantity: Number(byId('quantity').value) }
}

/** The cart of the payment under way in this tab (it survives a reload with the key), or undefined. */
function pendingCart () {
  const saved = pageState.get('cart')
  return saved === undefined ? undefined : JSON.parse(saved)
}

async function refreshVariant () {
  const { variantId, quantity } = currentCart()
  if (variantId === '') return
  try {
    const variant = await client.getVariant(variantId)
    variants.set(variantId, variant)
    const valid = Number.isInteger(quantity) && quantity >= 1 && quantity <= 100
    byId('total').textContent = valid ? money(variant.price * quantity, variant.currency) : '–'
    byId('availability').textContent = variant.inStock ? `In stock · ${money(variant.price, variant.currency)} each` : 'Out of stock'
  } catch (err) {
    byId('availability').textContent = err instanceof PaymentApiError && err.statusCode === 401
      ? 'Enter a client token to see prices.'
      : `Could not read the variant: ${describe(err)}`
  }
}

async function pay () {
  if (busy) return
  setBusy(true)
  try {
    const cart = currentCart()
    if (!Number.isInteger(cart.quantity) || cart.quantity < 1 || cart.quantity > 100) throw new Error('Quantity must be a whole number from 1 to 100')
    const pending = pendingCart()
    if (pending !== undefined && (pending.variantId !== cart.variantId || pending.quantity !== cart.quantity)) {
      step('cart', 'The cart changed since the unpaid order was made: starting over.', 'info')
      await startOver()
    }
    await refreshVariant()
    const variant = variants.get(cart.variantId)
    if (variant === undefined) throw new Error(`Variant ${cart.variantId} could not be read`)
    let key = await keyStore.get(operationId)
    if (key === undefined) {
      key = newIdempotencyKey()
      await keyStore.set(operationId, key)
      pageState.set('cart', JSON.stringify(cart))
      step('key', `Idempotency key created: ${key}`)
    } else {
      step('key', `Idempotency key kept from the last attempt: ${key}`)
    }
    const order = await createOrder(cart, variant)
    if (order !== undefined) openCheckout(order, cart)
  } catch (err) {
    step('error', describe(err), 'fail')
    setBusy(false)
  }
}

async function createOrder (cart, variant) {
  const body = { variantId: cart.variantId, quantity: cart.quantity, amount: variant.price * cart.quantity, currency: variant.currency, sessionId: sessionId() }
  try {
    const order = await client.createOrder(body, { operationId })
    const until = new Date(order.reservationExpiresAt).toLocaleTimeString()
    step('order', order.replayed
      ? `Order ${order.orderId} replayed: the same key got the first answer back (stock reserved until ${until})`
      : `Order ${order.orderId} created for ${money(order.amount, order.currency)}; stock reserved until ${until}`)
    pageState.set('cart', JSON.stringify({ ...cart, orderId: order.orderId, expiresAt: order.reservationExpiresAt }))
    return order
  } catch (err) {
    // A refusal (out of stock, a changed price) is final for this key; a 5xx or a network failure is not.
    if (err instanceof PaymentApiError && err.statusCode >= 400 && err.statusCode < 500) {
      await client.handlePaymentFailure(operationId)
      pageState.delete('cart')
      step('error', `${describe(err)}. The key is dropped: the next attempt is a new request.`, 'fail')
      setBusy(false)
      await refreshVariant()
      return undefined
    }
    throw err
  }
}

function openCheckout (order, cart) {
  if (typeof window.Razorpay !== 'function') throw new Error(`Razorpay Checkout did not load from ${settings.checkoutScriptUrl}`)
  const checkout = new window.Razorpay({
    key: order.keyId,
    amount: order.amount,
    currency: order.currency,
    order_id: order.razorpayOrderId,
    name: 'Demo store',
    description: `${cart.quantity} × ${cart.variantId}`,
    prefill: { name: 'Test Customer', email: 'customer@example.com', contact: '9000090000' },
    notes: { orderId: order.orderId },
    theme: { color: '#2b59c3' },
    handler: (response) => { verify(order, response).catch((err) => step('error', describe(err), 'fail')) },
    modal: {
      ondismiss: () => unpaid(`Checkout closed. Order ${order.orderId} stays payable until ${new Date(order.reservationExpiresAt).toLocaleTimeString()}.`)
    }
  })
  checkout.on('payment.failed', (response) => {
    const { description, reason, metadata } = response.error
    step('failed', `Payment ${metadata?.payment_id ?? ''} failed: ${description} (${reason}). The key is kept: paying again uses the same order.`, 'fail')
  })
  checkout.open()
  step('checkout', `Checkout opened for ${order.razorpayOrderId}`)
}

async function verify (order, response) {
  step('verify', `Checkout returned payment ${response.razorpay_payment_id}: the service checks its signature and asks Razorpay`, 'info')
  try {
    const verified = await client.verifyPayment(response)
    step('verified', `Payment ${response.razorpay_payment_id} verified: Razorpay reports it ${verified.status === 'paid' ? 'captured' : verified.status}`)
    await client.confirmPaymentSuccess(operationId)
    pageState.delete('cart')
    step('paid', `Order ${verified.orderId} is paid. The key is cleared: the next order gets a new one.`)
    byId('paid-text').textContent = `Order ${verified.orderId}: ${money(verified.amount, verified.currency)}, payment ${response.razorpay_payment_id}.`
    show('paid')
    setBusy(false)
  } catch (err) {
    step('error', describe(err), 'fail')
    unpaid(`Order ${order.orderId} is not confirmed paid. Paying again uses the same key and order.`)
  }
}

function unpaid (text) {
  byId('unpaid-text').textContent = text
  show('unpaid')
  setBusy(false)
}

/** Cancels the unpaid order (its stock returns at once) and drops its key: the next payment is a new order. */
async function startOver () {
  const orderId = pendingCart()?.orderId
  try {
    await client.handlePaymentFailure(operationId, { cancelOrder: true })
    step('cancelled', orderId === undefined
      ? 'Started over: the next payment gets a new key.'
      : `Order ${orderId} cancelled, its stock is back. The next payment gets a new key.`)
  } catch (err) {
    if (!(err instanceof PaymentApiError) || err.code !== 'ORDER_NOT_CANCELLABLE') throw err
    step('paid', `Order ${orderId} was paid meanwhile: nothing to cancel.`)
    await client.confirmPaymentSuccess(operationId)
  }
  pageState.delete('cart')
  show(undefined)
}

async function init () {
  if (settings.requiresToken) {
    byId('token-field').hidden = false
    byId('token').value = pageState.get('token') ?? ''
    byId('token').addEventListener('change', () => {
      pageState.set('token', byId('token').value.trim())
      client = makeClient()
      refreshVariant()
    })
    client = makeClient()
  }
  for (const variantId of settings.variantIds) byId('variant').append(new Option(variantId, variantId))
  const pending = pendingCart()
  if (pending !== undefined) {
    byId('variant').value = pending.variantId
    byId('quantity').value = String(pending.quantity)
  }
  byId('variant').addEventListener('change', refreshVariant)
  byId('quantity').addEventListener('input', refreshVariant)
  byId('cart').addEventListener('submit', (event) => {
    event.preventDefault()
    pay()
  })
  byId('pay-again').addEventListener('click', pay)
  byId('start-over').addEventListener('click', () => {
    if (busy) return
    setBusy(true)
    startOver().catch((err) => step('error', describe(err), 'fail')).finally(() => setBusy(false))
  })
  byId('new-order').addEventListener('click', () => {
    show(undefined)
    byId('steps').replaceChildren()
    refreshVariant()
  })
  await refreshVariant()
  const key = await keyStore.get(operationId)
  if (pending !== undefined && key !== undefined) {
    step('resume', `This tab has an unpaid order under way (key ${key}): Pay resumes it with the same key.`, 'info')
  }
  byId('pay').disabled = false
  document.body.dataset.ready = 'true'
}

init().catch((err) => step('error', describe(err), 'fail'))
