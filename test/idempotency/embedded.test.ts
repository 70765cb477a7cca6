import t from 'tap'
import { idempotencySuite } from './suite.js'

idempotencySuite(t, 'embedded')
