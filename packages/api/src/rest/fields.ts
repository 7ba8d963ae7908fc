/**
 * Strict decoding: the fields each kind's JSON may carry. Kubernetes' apiserver rejects unknown fields
 * under `fieldValidation=Strict` (what kubectl sends); so does Kedge, so a typo such as `spec.templat`
 * is reported instead of silently dropped. Fields Kubernetes knows but Knative forbids (`stdin`,
 * `lifecycle`, …) are known here and rejected later by validation with Knative's message.
 */
type Shape = 'any' | 'map' | { list: Shape } | { [field: string]: Shape };

const any = 'any' as const;
const map = 'map' as const;
const list = (s: Shape): Shape => ({ list: s });

const ownerReference: Shape = { apiVersion: any, kind: any, name: any, uid: any, controller: any, blockOwnerDeletion: any };

const objectMeta: Shape = {
  name: any,
  namespace: any,
  generateName: any,
  uid: any,
  resourceVersion: any,
  generation: any,
  creationTimestamp: any,
  deletionTimestamp: any,
  deletionGracePeriodSeconds: any,
  labels: map,
  annotations: map,
  ownerReferences: list(ownerReference),
  finalizers: any,
  managedFields: any,
  selfLink: any,
};

const probe: Shape = {
  httpGet: { path: any, port: any, host: any, scheme: any, httpHeaders: any },
  tcpSocket: { port: any, host: any },
  exec: { command: any },
  grpc: { port: any, service: any },
  initialDelaySeconds: any,
  timeoutSeconds: any,
  periodSeconds: any,
  successThreshold: any,
  failureThreshold: any,
  terminationGracePeriodSeconds: any,
};

const container: Shape = {
  name: any,
  image: any,
  command: any,
  args: any,
  workingDir: any,
  ports: list({ name: any, containerPort: any, hostPort: any, hostIP: any, protocol: any }),
  envFrom: any,
  env: list({ name: any, value: any, valueFrom: any }),
  resources: { limits: map, requests: map, claims: any },
  resizePolicy: any,
  restartPolicy: any,
  volumeMounts: any,
  volumeDevices: any,
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle: any,
  terminationMessagePath: any,
  terminationMessagePolicy: any,
  imagePullPolicy: any,
  securityContext: any,
  stdin: any,
  stdinOnce: any,
  tty: any,
};

const revisionSpec: Shape = {
  containers: list(container),
  initContainers: list(container),
  volumes: any,
  serviceAccountName: any,
  imagePullSecrets: any,
  enableServiceLinks: any,
  automountServiceAccountToken: any,
  affinity: any,
  nodeSelector: map,
  tolerations: any,
  topologySpreadConstraints: any,
  hostAliases: any,
  runtimeClassName: any,
  securityContext: any,
  shareProcessNamespace: any,
  priorityClassName: any,
  schedulerName: any,
  dnsPolicy: any,
  dnsConfig: any,
  hostNetwork: any,
  hostPID: any,
  hostIPC: any,
  containerConcurrency: any,
  timeoutSeconds: any,
  responseStartTimeoutSeconds: any,
  idleTimeoutSeconds: any,
};

const trafficTarget: Shape = { tag: any, revisionName: any, configurationName: any, latestRevision: any, percent: any, url: any };
const template: Shape = { metadata: objectMeta, spec: revisionSpec };
const top = (spec: Shape | undefined): Shape => ({
  apiVersion: any,
  kind: any,
  metadata: objectMeta,
  ...(spec ? { spec } : {}),
  status: any,
});

export const SHAPES: Partial<Record<string, Shape>> = {
  Service: top({ template, traffic: list(trafficTarget) }),
  Configuration: top({ template }),
  Revision: top(revisionSpec),
  Route: top({ traffic: list(trafficTarget) }),
  ConfigMap: { apiVersion: any, kind: any, metadata: objectMeta, data: map, binaryData: map, immutable: any },
};

/** Paths of unknown fields, spelled like Kubernetes' strict decoder (`spec.template.spec.containers[0].imagePullPolcy`). */
export function unknownFields(kind: string, obj: unknown): string[] {
  const shape = SHAPES[kind];
  if (!shape) return [];
  const out: string[] = [];
  walk(shape, obj, '', out);
  return out;
}

function walk(shape: Shape, value: unknown, path: string, out: string[]): void {
  if (shape === 'any' || value === null || value === undefined) return;
  if (shape === 'map') return;
  if ('list' in shape && isShape(shape.list)) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(shape.list as Shape, v, `${path}[${i}]`, out));
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return;
  const fields = shape as Record<string, Shape>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    const sub = fields[k];
    if (sub === undefined) out.push(p);
    else walk(sub, v, p, out);
  }
}

function isShape(s: unknown): s is Shape {
  return typeof s === 'string' || (typeof s === 'object' && s !== null);
}

/** Removes unknown fields (fieldValidation=Ignore|Warn). */
export function pruneUnknown(obj: Record<string, unknown>, paths: string[]): void {
  for (const p of paths) {
    const parts = p.match(/[^.[\]]+/g) ?? [];
    let cur: unknown = obj;
    for (let i = 0; i < parts.length - 1 && cur && typeof cur === 'object'; i++) {
      cur = (cur as Record<string, unknown>)[parts[i]!];
    }
    if (cur && typeof cur === 'object') delete (cur as Record<string, unknown>)[parts[parts.length - 1]!];
  }
}
