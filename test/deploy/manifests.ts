// The Kubernetes manifests under deploy/kubernetes/ as documents, checked two ways with kubernetes-models: its JSON
// schema validators (types, required fields, enums) and its TypeScript types, whose excess-property check finds the
// misspelt or misplaced fields the schemas let through (they allow unknown properties; `kubectl apply` does not).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import ts from 'typescript'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { Deployment } from 'kubernetes-models/apps/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1'
import { repoRoot } from './dockerfile-model.js'

export const manifestsDir = join(repoRoot, 'deploy/kubernetes')

export interface Manifest { file: string, index: number, doc: any }

export function loadManifests (): Manifest[] {
  const manifests: Manifest[] = []
  for (const file of readdirSync(manifestsDir).filter(name => /\.ya?ml$/.test(name)).sort()) {
    parseAllDocuments(readFileSync(join(manifestsDir, file), 'utf8')).forEach((document, index) => {
      if (document.errors.length > 0) throw new Error(`${file} #${index}: ${document.errors.map(e => e.message).join('; ')}`)
      const doc = document.toJS()
      if (doc !== null) manifests.push({ file, index, doc })
    })
  }
  return manifests
}

interface Kind { model: new (data: any) => { validate: () => void }, module: string, type: string }

/** The kinds the manifests may use: each with its model (schema) and its TypeScript interface. */
const kinds: Record<string, Kind> = {
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1', type: 'IDeployment' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1', type: 'IService' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1', type: 'ISecret' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1', type: 'IConfigMap' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1', type: 'IPodDisruptionBudget' },
  'autoscaling/v2/HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler, module: 'kubernetes-models/autoscaling/v2', type: 'IHorizontalPodAutoscaler' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, module: 'kubernetes-models/networking.k8s.io/v1', type: 'INetworkPolicy' }
}

function kindOf (doc: any): Kind {
  const kind = kinds[`${String(doc?.apiVersion)}/${String(doc?.kind)}`]
  if (kind === undefined) throw new Error(`unknown apiVersion/kind ${String(doc?.apiVersion)}/${String(doc?.kind)}`)
  return kind
}

/** Throws with the schema's message when the document is not a valid object of its kind. */
export function validateSchema (doc: any): void {
  const { model: Model } = kindOf(doc)
  new Model(doc).validate()
}

/**
 * Type-checks the documents as object literals of their kinds' interfaces, with the compiler that builds the service;
 * returns one line per problem (unknown fields, wrong types), `label` naming the document. One program for all: the
 * declarations are read once.
 */
export function typeProblems (documents: Array<{ label: string, doc: any }>): string[] {
  const fileName = join(repoRoot, 'test/deploy/manifests.virtual.ts')
  const imports = new Map<string, Set<string>>()
  const lines: string[] = []
  const labels: Array<{ line: number, label: string }> = []
  for (const [i, { label, doc }] of documents.entries()) {
    const kind = kindOf(doc)
    imports.set(kind.module, (imports.get(kind.module) ?? new Set()).add(kind.type))
    labels.push({ line: lines.length, label })
    lines.push(...`export const doc${i}: ${kind.type} = ${JSON.stringify(doc, null, 2)}`.split('\n'))
  }
  const header = [...imports].map(([module, types]) => `import type { ${[...types].join(', ')} } from '${module}'`)
  const source = [...header, ...lines].join('\n')
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.getSourceFile = (name, language, ...rest) => name === fileName
    ? ts.createSourceFile(name, source, language)
    : getSourceFile.call(host, name, language, ...rest)
  host.fileExists = name => name === fileName || fileExists.call(host, name)
  host.readFile = name => name === fileName ? source : readFile.call(host, name)
  const program = ts.createProgram([fileName], options, host)
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()]
  return diagnostics.map(diagnostic => {
    const line = diagnostic.file !== undefined && diagnostic.start !== undefined
      ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - header.length
      : -1
    const label = labels.filter(l => l.line <= line).at(-1)?.label ?? '(imports)'
    return `${label}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`
  })
}
