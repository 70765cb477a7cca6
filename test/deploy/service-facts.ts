// Facts about the service that deployment settings must agree with, read from the service's own code so that the
// tests follow a change there: its configuration variables and how long it drains after SIGTERM.
import { readFileSync } from 'node:fs'
import ts from 'typescript'
import { ConfigSchema } from '../../schemas/config.js'
import { repoRoot } from './dockerfile-model.js'

/** Every variable the service reads (schemas/config.ts). */
export const configVariables = new Set(Object.keys(ConfigSchema.properties))

/** Variables a deployment may set that Node itself reads, not the service. */
export const runtimeVariables = new Set(['NODE_OPTIONS'])

/** Variables that hold a secret (or, for REDIS_URL, may carry a password): only ever from a Secret. */
export const secretVariables = new Set(['REDIS_URL', 'RAZORPAY_KEY_SECRET', 'RAZORPAY_WEBHOOK_SECRET', 'API_KEYS',
  'ADMIN_TOKEN', 'RISK_HASH_SECRET'])

/** The `delay` given to close-with-grace in src/server.ts, in seconds: how long a SIGTERM'd process may drain. */
export function shutdownGraceSeconds (): number {
  const file = `${repoRoot}src/server.ts`
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  let delayMs: number | undefined
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.getText() === 'closeWithGrace') {
      const options = node.arguments[0]
      if (options !== undefined && ts.isObjectLiteralExpression(options)) {
        for (const property of options.properties) {
          if (ts.isPropertyAssignment(property) && property.name.getText() === 'delay' && ts.isNumericLiteral(property.initializer)) {
            delayMs = Number(property.initializer.text)
          }
        }
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  if (delayMs === undefined) throw new Error('src/server.ts: no closeWithGrace({ delay: <number> }) found')
  return delayMs / 1000
}
