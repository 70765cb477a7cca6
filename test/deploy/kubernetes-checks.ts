// What the schemas cannot know about the manifests: that they fit this service. Each check returns its problems
// (empty: fine), so that the tests can also show it failing on a broken copy.

/** The container's port number behind a probe's or Service's `port` (a name or a number). */
export function containerPort (container: any, port: string | number): number | undefined {
  const ports: any[] = container.ports ?? []
  return typeof port === 'number'
    ? ports.find(p => p.containerPort === port)?.containerPort
    : ports.find(p => p.name === port)?.containerPort
}

export function mainContainer (deployment: any): any {
  return deployment.spec.template.spec.containers[0]
}

const probePaths = { startupProbe: '/health/live', livenessProbe: '/health/live', readinessProbe: '/health/ready' } as const

/** Liveness (and start-up) on /health/live, readiness on /health/ready, all on the service's PORT. */
export function probeProblems (deployment: any, servicePort: number): string[] {
  const container = mainContainer(deployment)
  const problems: string[] = []
  for (const [probe, path] of Object.entries(probePaths)) {
    const get = container[probe]?.httpGet
    if (get === undefined) { problems.push(`${probe}: no httpGet`); continue }
    if (get.path !== path) problems.push(`${probe}: path ${String(get.path)}, the service serves ${path}`)
    const port = containerPort(container, get.port)
    if (port !== servicePort) problems.push(`${probe}: port ${String(get.port)} is ${String(port)}, the service listens on ${servicePort}`)
  }
  return problems
}

/** preStop sleeps, then SIGTERM starts a drain of `drainSeconds`: both must end before the grace period does. */
export function shutdownProblems (deployment: any, drainSeconds: number): string[] {
  const command: string[] | undefined = mainContainer(deployment).lifecycle?.preStop?.exec?.command
  const sleep = command !== undefined && /(^|\/)sleep$/.test(command[0]) ? Number(command[1]) : NaN
  if (!Number.isFinite(sleep) || sleep <= 0) return [`preStop is not a sleep: ${JSON.stringify(command)}`]
  const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30
  return sleep + drainSeconds < grace ? [] : [`terminationGracePeriodSeconds ${String(grace)} does not exceed preStop ${sleep} s + drain ${drainSeconds} s`]
}

/**
 * Non-root, verifiably: the image's USER is a name, which the kubelet cannot check, so runAsNonRoot needs a numeric,
 * non-zero runAsUser. No privilege escalation, no capabilities, a read-only root file system.
 */
export function securityProblems (deployment: any, imageUser: string | null): string[] {
  const pod = deployment.spec.template.spec.securityContext ?? {}
  const container = mainContainer(deployment).securityContext ?? {}
  const setting = (name: string): any => container[name] ?? pod[name]
  const problems: string[] = []
  if (setting('runAsNonRoot') !== true) problems.push('runAsNonRoot is not true')
  const uid = setting('runAsUser')
  if (uid === 0) problems.push('runAsUser is 0 (root)')
  if (uid === undefined && !/^[1-9]\d*(:\d+)?$/.test(imageUser ?? '')) {
    problems.push(`the image's USER ${String(imageUser)} is not numeric: the kubelet refuses runAsNonRoot without a runAsUser`)
  }
  if (container.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false')
  if (container.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true')
  if (!(container.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities are not all dropped')
  return problems
}

function selects (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.entries(selector).every(([key, value]) => labels[key] === value)
}

function rulePorts (rule: any, container: any): Array<number | undefined> {
  return (rule.ports ?? []).map((p: any) => containerPort(container, p.port))
}

/**
 * The NetworkPolicy covers the service's pods, and admits the metrics port only from Prometheus pods of the monitoring
 * namespace: no rule leaves ports or peers open (an empty `ports` means every port, an empty `from` everyone).
 */
export function metricsExposureProblems (policy: any, deployment: any, metricsPort: number, apiPort: number): string[] {
  const container = mainContainer(deployment)
  const problems: string[] = []
  if (!selects(policy.spec.podSelector?.matchLabels, deployment.spec.template.metadata.labels)) {
    problems.push('the policy does not select the service\'s pods')
  }
  if (!(policy.spec.policyTypes ?? []).includes('Ingress')) problems.push('the policy does not restrict ingress')
  let metricsAdmitted = false
  let apiAdmitted = false
  for (const [i, rule] of (policy.spec.ingress ?? []).entries()) {
    const ports = rulePorts(rule, container)
    if (ports.length === 0) { problems.push(`ingress rule ${i} admits every port`); continue }
    if (ports.includes(undefined)) problems.push(`ingress rule ${i} names a port the container does not have`)
    if (ports.includes(apiPort)) apiAdmitted = true
    if (!ports.includes(metricsPort)) continue
    const peers: any[] = rule.from ?? []
    if (peers.length === 0) problems.push(`ingress rule ${i} admits the metrics port from everyone`)
    for (const peer of peers) {
      const monitoring = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring'
      if (!monitoring || peer.ipBlock !== undefined) problems.push(`ingress rule ${i} admits the metrics port from outside the monitoring namespace`)
      else if (Object.keys(peer.podSelector?.matchLabels ?? {}).length === 0) problems.push(`ingress rule ${i} admits every pod of the monitoring namespace`)
      else metricsAdmitted = true
    }
  }
  if (!metricsAdmitted) problems.push('Prometheus cannot reach the metrics port')
  if (!apiAdmitted) problems.push('nothing can reach the API port')
  return problems
}
