// Chaos, fast tier: the traffic alone, then with Razorpay misbehaving.
import t from 'tap'
import { chaosScenario, noFaults } from './support.js'

chaosScenario(t, 'mixed traffic with repeated keys, payments, webhooks and cancels', noFaults)
chaosScenario(t, 'Razorpay slow, failing, rate limiting, hanging and resetting', { ...noFaults, provider: true })
