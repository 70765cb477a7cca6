// The alert rules and the dashboard name only series the service exports: the service is driven through each
// outcome the rules watch, its /metrics is scraped, and every selector of every expression must match a series there
// (or be in `notDriven`, each with the reason it cannot be produced here and the test that produces it elsewhere).
import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { build, redisServer } from '../helper.js'
import { answerGate } from '../support/answer-gate.js'
import { createOrderRequest, itemPrice, pay, setStock, shop, verifyRequest } from '../support/money.js'
import { addFault, emulator, emulatorEnv, eventually, listen, post } from '../support/service.js'

interface Rule { alert: string, expr: string, labels?: { severity?: string }, annotations?: { summary?: string, runbook?: string } }
interface Matcher { label: string, op: string, value: string }
interface Selector { name: string, matchers: Matcher[], text: string }

const rules = (parse(readFileSync(new URL('../../deploy/prometheus/alerts.yml', import.meta.url), 'utf8')) as { groups: Array<{ rules: Rule[] }> })
  .groups.flatMap(group => group.rules)
const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/payment-service.json', import.meta.url), 'utf8')) as
  { panels: Array<{ title: string, targets: Array<{ expr: string }> }> }
const operations = readFileSync(new URL('../../docs/OPERATIONS.md', import.meta.url), 'utf8')

/** Series Prometheus makes itself. */
const prometheusSeries = new Set(['up'])
/** Selectors no test here can produce, with where they are produced. */
const notDriven: Record<string, string> = {
  'idempotency_store_failures_total{reason=~"lock_lost|lock_expired"}': 'a handler outliving its lock: test/idempotency (lock renewal and takeover tests)',
  'idempotency_store_failures_total{reason=~"store_failed|release_failed"}': 'the store failing after the handler ran: test/idempotency/plugin.test.ts',
  idempotency_store_failures_total: 'any of the reasons above',
  'refunds_total{event="gave_up"}': 'five failed refunds: test/money/refunds and the reconciler tests',
  'webhooks_total{outcome="failed"}': 'a failure while applying: test/money/webhooks.test.ts',
  'reconciler_orders_total{outcome="failed"}': 'Razorpay failing the reconciler: test/money/reconciler.test.ts',
  load_shed_requests_total: 'an event-loop stall: test/operability (load shedding)',
  redis_used_memory_bytes: 'sampled on a timer from INFO: test/operability (Redis checks)',
  redis_maxmemory_bytes: 'sampled on a timer from INFO: test/operability (Redis checks)',
  redis_keys: 'sampled on a timer from INFO: test/operability (Redis checks)',
  redis_last_sample_timestamp_seconds: 'sampled on a timer from INFO: test/operability (Redis checks)'
}

const promqlWords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'or', 'and', 'unless', 'bool', 'offset', 'le'])

/** The vector selectors of a PromQL expression: names not followed by `(` (functions) nor PromQL's own words. */
export function selectorsOf (expr: string): Selector[] {
  const stripped = expr
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
  const found: Selector[] = []
  for (const match of stripped.matchAll(/([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, name, braces, call] = match
    if (call !== undefined || promqlWords.has(name)) continue
    const matchers = [...(braces ?? '').matchAll(/(\w+)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)].map(([, label, op, value]) => ({ label, op, value }))
    found.push({ name, matchers, text: `${name}${braces ?? ''}`.replace(/\s+/g, '') })
  }
  return found
}

interface Sample { name: string, labels: Record<string, string> }

function parseScrape (text: string): { families: Set<string>, samples: Sample[] } {
  const families = new Set<string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line)
    if (type !== null) families.add(type[1])
    if (line === '' || line.startsWith('#')) continue
    const sample = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? /.exec(line)
    if (sample === null) continue
    const labels: Record<string, string> = {}
    for (const [, label, value] of (sample[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label] = value
    samples.push({ name: sample[1], labels })
  }
  return { families, samples }
}

function matches (sample: Sample, matcher: Matcher): boolean {
  const value = sample.labels[matcher.label] ?? ''
  const regex = new RegExp(`^(?:${matcher.value})$`)
  switch (matcher.op) {
    case '=': return value === matcher.value
    case '!=': return value !== matcher.value
    case '=~': return regex.test(value)
    default: return !regex.test(value)
  }
}

function familyOf (name: string, families: Set<string>): string | undefined {
  if (families.has(name)) return name
  const base = name.replace(/_(bucket|sum|count)$/, '')
  return families.has(base) ? base : undefined
}

t.test('every rule has a severity, a summary and a runbook section in OPERATIONS.md', async t => {
  t.ok(rules.length >= 15)
  for (const rule of rules) {
    t.match(rule.labels?.severity, /^(critical|warning|info)$/, rule.alert)
    t.ok(rule.annotations?.summary, `${rule.alert} has a summary`)
    t.equal(rule.annotations?.runbook, `docs/OPERATIONS.md#${rule.alert.toLowerCase()}`, `${rule.alert} links its runbook`)
    t.match(operations, new RegExp(`^### ${rule.alert}$`, 'm'), `OPERATIONS.md has a section ${rule.alert}`)
  }
})

t.test('the selector extraction finds what it must, so the check below cannot pass by finding nothing', async t => {
  t.same(selectorsOf('sum by (le) (rate(foo_bucket{a="b"}[5m])) / sum(rate(bar_total[5m])) > 0.5 or time() - max(baz) > 3').map(s => s.text),
    ['foo_bucket{a="b"}', 'bar_total', 'baz'])
  t.same(selectorsOf('max by (node) (x / (y > 0)) > 0.85').map(s => s.name), ['x', 'y'])
})

t.test('every series a rule or a panel names is exported once the service went through each outcome', async t => {
  const rzp = await emulator(t)
  const redis = await redisServer(t)
  const gate = await answerGate(t, rzp.url, 'POST /v1/orders')
  const app = await build(t, {
    ...emulatorEnv(rzp),
    RAZORPAY_API_URL: gate.url,
    RAZORPAY_TIMEOUT_MS: '300',
    REDIS_URL: redis.url,
    API_KEYS: 'shop:shop-token',
    ADMIN_TOKEN: 'admin-token-for-tests',
    RESERVATION_TTL_SECONDS: '1',
    RECONCILE_DELAY_SECONDS: '1',
    RISK_CUSTOMER_ORDERS_PER_MINUTE: '1',
    RISK_INSTRUMENT_FAILED_PAYMENTS_PER_HOUR: '1'
  })
  const url = await listen(app)
  rzp.setWebhookUrl(`${url}/api/webhooks/razorpay`)
  await setStock(app, 20)
  const scarce = (key: string) => ({ ...createOrderRequest(key), payload: { variantId: 'scarce', quantity: 1, amount: itemPrice } })
  await app.inject({ method: 'PUT', url: '/api/admin/variants/scarce', payload: { price: itemPrice, currency: 'INR', stock: 1 }, headers: { authorization: 'Bearer admin-token-for-tests' } })

  // in_progress: a duplicate while Razorpay has not answered the first.
  const first = app.inject(createOrderRequest('alerts-1'))
  await gate.whenHeld(1)
  t.equal((await app.inject(createOrderRequest('alerts-1'))).statusCode, 409)
  gate.release()
  const orderId = (await first).json().orderId
  t.equal((await app.inject(createOrderRequest('alerts-1'))).headers['idempotent-replayed'], 'true')
  // Razorpay failing: a 5xx, a reset connection, a hang past RAZORPAY_TIMEOUT_MS.
  for (const fault of [{ kind: 'status', status: 500 }, { kind: 'reset' }, { kind: 'hang' }]) {
    await addFault(rzp, { route: 'POST /v1/orders', count: 1, ...fault })
    t.ok((await app.inject(createOrderRequest(`alerts-fault-${fault.kind}`))).statusCode >= 500)
  }
  // A paid order, paid twice: the second payment is refunded.
  const checkout = await pay(rzp, orderId, { outcome: 'captured', webhooks: { skip: true } })
  t.equal((await app.inject(verifyRequest(checkout, 'alerts-verify'))).statusCode, 200)
  await pay(rzp, orderId, { outcome: 'captured', allowPaidOrder: true })
  // Oversold: an order whose reservation expired while the stock went to another.
  const late = (await app.inject(scarce('alerts-late'))).json().orderId
  // The sweeper marks the order expired, then returns its stock: wait for both steps.
  await eventually(async () => (await app.inject({ method: 'GET', url: `/api/orders/${late}`, headers: shop })).json().status === 'expired' &&
    (await app.inject({ method: 'GET', url: '/api/admin/variants/scarce', headers: { authorization: 'Bearer admin-token-for-tests' } })).json().reserved === 0)
  t.equal((await app.inject(scarce('alerts-taker'))).statusCode, 201)
  await pay(rzp, late, { outcome: 'captured' })
  // Webhooks: a bad signature; a failed payment (card testing at a limit of one).
  t.equal((await post(url, '/api/webhooks/razorpay', '{}', { 'x-razorpay-signature': 'f'.repeat(64) })).status, 401)
  const failing = (await app.inject(createOrderRequest('alerts-fail'))).json().orderId
  await pay(rzp, failing, { outcome: 'failed' })
  // A risk rejection, and a wrong token.
  const customer = { ...createOrderRequest('alerts-risk-1'), payload: { variantId: 'item', quantity: 1, amount: itemPrice, customer: { id: 'c' } } }
  t.equal((await app.inject(customer)).statusCode, 201)
  t.equal((await app.inject({ ...customer, headers: { ...shop, 'idempotency-key': 'alerts-risk-2' } })).statusCode, 403)
  t.equal((await app.inject({ ...createOrderRequest('alerts-auth'), headers: { authorization: 'Bearer wrong', 'idempotency-key': 'x' } })).statusCode, 401)
  await eventually(async () => (await app.operations.inject({ url: '/metrics' })).body.includes('refunds_total{reason="duplicate_payment",event="requested"}') &&
    (await app.operations.inject({ url: '/metrics' })).body.includes('late_sales_total{outcome="oversold"}') &&
    (await app.operations.inject({ url: '/metrics' })).body.includes('risk_card_testing_suspected_total 1') &&
    (await app.operations.inject({ url: '/metrics' })).body.includes('reconciler_orders_total{'))
  // Last, since it empties Redis: the store unreachable.
  await redis.stop()
  t.equal((await app.inject(createOrderRequest('alerts-down'))).statusCode, 503)
  await redis.start()

  const scrape = parseScrape((await app.operations.inject({ url: '/metrics' })).body)
  const expressions = [
    ...rules.map(rule => ({ where: `rule ${rule.alert}`, expr: rule.expr })),
    ...dashboard.panels.flatMap(panel => panel.targets.map(target => ({ where: `panel ${panel.title}`, expr: target.expr })))
  ]
  let checked = 0
  for (const { where, expr } of expressions) {
    const selectors = selectorsOf(expr)
    t.ok(selectors.length > 0, `${where} names a series`)
    for (const selector of selectors) {
      checked++
      if (prometheusSeries.has(selector.name)) continue
      const family = familyOf(selector.name, scrape.families)
      t.ok(family, `${where}: ${selector.name} is a metric the service exports`)
      if (notDriven[selector.text] !== undefined || notDriven[selector.name] !== undefined) continue
      const found = scrape.samples.some(sample => sample.name === selector.name && selector.matchers.every(m => matches(sample, m)))
      t.ok(found, `${where}: a series matches ${selector.text}`)
    }
  }
  t.ok(checked > 40, `${checked} selectors checked`)
})
