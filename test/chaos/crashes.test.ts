// Chaos, fast tier: Redis and service instances dying under load.
import t from 'tap'
import { chaosScenario, noFaults } from './support.js'

chaosScenario(t, 'Redis killed and restarted on its append-only file', { ...noFaults, redisKills: true })
chaosScenario(t, 'service instances killed with SIGKILL and restarted, and one stopped with SIGTERM', { ...noFaults, instanceKills: true, gracefulStop: true }, 1200, 500)
