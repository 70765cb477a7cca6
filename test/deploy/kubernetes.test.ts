// deploy/kubernetes/: every document valid for its kind (kubernetes-models' schemas and types), and fitted to this
// service: probes, shutdown timing, non-root, the metrics port fenced, secrets as placeholders, real variable names.
import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { build } from '../helper.js'
import { readStages, stageEnv, stageUser } from './dockerfile-model.js'
import {
  containerPort, mainContainer, metricsExposureProblems, probeProblems, securityProblems, shutdownProblems
} from './kubernetes-checks.js'
import { loadManifests, typeProblems, validateSchema } from './manifests.js'
import { configVariables, runtimeVariables, secretVariables, shutdownGraceSeconds } from './service-facts.js'

const manifests = loadManifests()
const one = (kind: string): any => {
  const found = manifests.filter(m => m.doc.kind === kind)
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`)
  return found[0].doc
}
const deployment = one('Deployment')
const service = one('Service')
const secret = one('Secret')
const policy = one('NetworkPolicy')
const hpa = one('HorizontalPodAutoscaler')
const pdb = one('PodDisruptionBudget')
const container = mainContainer(deployment)
const env: Record<string, string> = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]))
const runtime = readStages().at(-1)!
const apiPort = Number(env.PORT)
const metricsPort = Number(env.METRICS_PORT)
const copy = (doc: any): any => structuredClone(doc)

/** Values of the right shape for each Secret key, standing in for what an operator fills in. */
const samples: Record<string, string> = {
  REDIS_URL: 'rediss://payments:password@redis.example.internal:6380',
  REDIS_CLUSTER_NODES: 'redis-0.example.internal:6379,redis-1.example.internal:6379',
  RAZORPAY_KEY_ID: 'rzp_live_0123456789',
  RAZORPAY_KEY_SECRET: 'k'.repeat(24),
  RAZORPAY_WEBHOOK_SECRET: 'w'.repeat(24),
  API_KEYS: `storefront:${'s'.repeat(48)},billing:${'b'.repeat(48)}`,
  ADMIN_TOKEN: 'a'.repeat(48),
  RISK_HASH_SECRET: 'f'.repeat(64)
}

t.test('every document of every manifest validates against its Kubernetes schema', async t => {
  t.same(manifests.map(m => m.doc.kind).sort(),
    ['Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service'])
  for (const { file, index, doc } of manifests) {
    t.doesNotThrow(() => validateSchema(doc), `${file} #${index}: ${String(doc.kind)} ${String(doc.metadata?.name)}`)
  }
})

t.test('no document has a field its kind does not define', async t => {
  t.same(typeProblems(manifests.map(m => ({ label: `${m.file} #${m.index}`, doc: m.doc }))), [])
})

t.test('the checks fail on broken copies', async t => {
  const stringPort = copy(deployment)
  mainContainer(stringPort).ports[0].containerPort = '4000'
  t.throws(() => validateSchema(stringPort), /containerPort must be integer/, 'a port number written as a string')
  const nameless = copy(deployment)
  delete mainContainer(nameless).name
  t.throws(() => validateSchema(nameless), /must have required property name/, 'a container without a name')

  const misspelt = copy(deployment)
  mainContainer(misspelt).livenessProb = mainContainer(misspelt).livenessProbe
  delete mainContainer(misspelt).livenessProbe
  t.doesNotThrow(() => validateSchema(misspelt), 'the schemas allow an unknown field…')
  t.match(typeProblems([{ label: 'misspelt', doc: misspelt }]), [/misspelt: .*livenessProb\W+ does not exist in type 'IContainer'/], '…the types do not')
  t.match(probeProblems(misspelt, apiPort), ['livenessProbe: no httpGet'])

  const portTypo = copy(deployment)
  mainContainer(portTypo).readinessProbe.httpGet.port = 'htttp'
  t.doesNotThrow(() => validateSchema(portTypo), 'a probe port name with a typo is a valid name…')
  t.match(probeProblems(portTypo, apiPort), [/readinessProbe: port htttp/], '…that no container port has')
  const portAsString = copy(deployment)
  mainContainer(portAsString).livenessProbe.httpGet.port = String(apiPort)
  t.match(probeProblems(portAsString, apiPort), [/livenessProbe: port 4000 is undefined/], 'a port number in quotes is a name')
  const wrongPath = copy(deployment)
  mainContainer(wrongPath).readinessProbe.httpGet.path = '/health/live'
  t.match(probeProblems(wrongPath, apiPort), [/readinessProbe: path/], 'readiness must not ask liveness')

  const shortGrace = copy(deployment)
  shortGrace.spec.template.spec.terminationGracePeriodSeconds = 30
  t.match(shutdownProblems(shortGrace, shutdownGraceSeconds()), [/does not exceed/], 'the default grace period is too short')
  const rootless = copy(deployment)
  delete rootless.spec.template.spec.securityContext.runAsUser
  t.match(securityProblems(rootless, 'node'), [/not numeric/], 'a named USER without runAsUser')

  const openMetrics = copy(policy)
  openMetrics.spec.ingress[0].ports.push({ port: 'metrics', protocol: 'TCP' })
  t.match(metricsExposureProblems(openMetrics, deployment, metricsPort, apiPort), [/from everyone/], 'metrics added to the open rule')
  const allPorts = copy(policy)
  delete allPorts.spec.ingress[0].ports
  t.match(metricsExposureProblems(allPorts, deployment, metricsPort, apiPort), [/every port/], 'a rule without ports')
  const namespaceWide = copy(policy)
  delete namespaceWide.spec.ingress[1].from[0].namespaceSelector
  t.match(metricsExposureProblems(namespaceWide, deployment, metricsPort, apiPort), [/outside the monitoring namespace/],
    'a podSelector alone means pods of the service\'s own namespace')
})

t.test('probes ask the service\'s real health routes on its API port', async t => {
  t.equal(apiPort, Number(stageEnv(runtime).PORT), 'PORT as in the image')
  t.same(probeProblems(deployment, apiPort), [])
  const app = await build(t)
  for (const url of ['/health/live', '/health/ready']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} answers`)
  }
})

t.test('the preStop sleep and the service\'s drain end before the grace period', async t => {
  t.same(shutdownProblems(deployment, shutdownGraceSeconds()), [])
})

t.test('runs as a non-root user, without privileges, on a read-only root file system', async t => {
  t.not(stageUser(runtime), null, 'the image has a USER')
  t.same(securityProblems(deployment, stageUser(runtime)), [])
  t.equal(deployment.spec.template.spec.automountServiceAccountToken, false, 'no Kubernetes API token in the pod')
})

t.test('the metrics port is its own named port, reachable only from Prometheus in the monitoring namespace', async t => {
  t.same(metricsExposureProblems(policy, deployment, metricsPort, apiPort), [])
  const ports = Object.fromEntries(service.spec.ports.map((p: any) => [p.name, p]))
  t.match(ports, { http: { port: apiPort }, metrics: { port: metricsPort } })
  for (const port of service.spec.ports) {
    t.equal(containerPort(container, port.targetPort), port.port, `Service port ${String(port.name)} reaches the container's`)
  }
  t.match(deployment.spec.template.metadata.labels, service.spec.selector, 'the Service selects the pods')
  t.equal(env.METRICS_HOST, '0.0.0.0', 'the private listener binds the pod\'s interfaces, so Prometheus can scrape it')
})

t.test('the Secret template holds placeholders only, and the service refuses it unedited', async t => {
  t.equal(secret.data, undefined, 'no base64 data')
  for (const [name, value] of Object.entries<string>(secret.stringData)) {
    t.match(value, /^<[^<>]+>$/, `${name} is a <placeholder>`)
    t.ok(configVariables.has(name), `${name} is a configuration variable`)
  }
  t.ok(container.envFrom.some((source: any) => source.secretRef?.name === secret.metadata.name), 'the Deployment reads it')
  t.throws(() => loadConfig({ ...env, ...secret.stringData }), /REDIS_URL|API_KEYS/)
})

t.test('every variable is one the service (or Node) reads; together they are a complete production configuration', async t => {
  for (const name of [...Object.keys(env), ...Object.keys(secret.stringData)]) {
    t.ok(configVariables.has(name) || runtimeVariables.has(name), `${name} is read by the service or by Node`)
  }
  for (const entry of container.env) {
    t.notOk(secretVariables.has(entry.name) && entry.value !== undefined, `${String(entry.name)} does not carry a secret in the clear`)
  }
  const filled = Object.fromEntries(Object.keys(secret.stringData).map(name => [name, samples[name]]))
  t.same(Object.entries(filled).filter(([, value]) => value === undefined), [], 'a sample for each Secret key')
  const config = loadConfig({ ...env, ...filled })
  t.equal(config.NODE_ENV, 'production')
  t.equal(config.REDIS_CHECKS, 'strict', 'not ready on a Redis without AOF or with an evicting policy')
  t.equal(containerPort(container, 'http'), config.PORT)
  t.equal(containerPort(container, 'metrics'), config.METRICS_PORT)
})

/** A Kubernetes memory quantity in bytes (the binary and decimal suffixes the manifests use). */
function bytes (quantity: string): number {
  const [, value, unit] = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity) ?? []
  const scale: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 }
  return Number(value) * (unit === undefined ? 1 : scale[unit])
}

t.test('resources, memory limits, the autoscaler and the disruption budget fit together', async t => {
  const { requests, limits } = container.resources
  t.ok(bytes(requests.memory) <= bytes(limits.memory), 'memory request within the limit')
  t.ok(requests.cpu !== undefined, 'a CPU request: the autoscaler\'s utilization is a share of it')
  const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS)?.[1])
  t.ok(heapMiB * 2 ** 20 < bytes(limits.memory), 'the V8 heap limit is inside the memory limit')
  t.ok(Number(env.LOAD_SHED_MAX_RSS_BYTES) < bytes(limits.memory), 'load shedding starts before the OOM kill')
  t.equal(deployment.spec.replicas, undefined, 'the autoscaler owns the replica count')
  t.match(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })
  t.ok(hpa.spec.minReplicas >= 2 && hpa.spec.maxReplicas > hpa.spec.minReplicas, 'at least two pods, room to grow')
  t.match(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }])
  t.match(deployment.spec.template.metadata.labels, pdb.spec.selector.matchLabels, 'the budget covers the pods')
  t.ok(pdb.spec.maxUnavailable < hpa.spec.minReplicas, 'a drain always leaves pods serving')
  t.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout never lowers capacity')
})
