import { at, isObj } from './errors.js';

/**
 * The field names each Kubernetes/Knative type has. A field outside its type is a typo
 * (`imagePullPolcy`) and is reported as unknown — what Kubernetes' strict decoding does;
 * a known field Knative forbids (`stdin`) is reported by validation as "must not set".
 */
export type Schema = 'any' | { fields: Record<string, Schema> } | { list: Schema };

export const any = 'any' as const;
export const obj = (fields: Record<string, Schema>): Schema => ({ fields });
export const list = (s: Schema): Schema => ({ list: s });
export const leaves = (...names: string[]): Record<string, Schema> => Object.fromEntries(names.map((n) => [n, any]));

const keyToPath = list(obj(leaves('key', 'path', 'mode')));
const httpGet = obj({ ...leaves('path', 'port', 'host', 'scheme'), httpHeaders: list(obj(leaves('name', 'value'))) });
const probe = obj({
  httpGet,
  tcpSocket: obj(leaves('port', 'host')),
  exec: obj(leaves('command')),
  grpc: obj(leaves('port', 'service')),
  ...leaves(
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
    'terminationGracePeriodSeconds',
  ),
});
const keyRef = obj(leaves('name', 'key', 'optional'));

export const CONTAINER_FIELDS = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
] as const;

const container = obj({
  ...leaves(...CONTAINER_FIELDS),
  ports: list(obj(leaves('name', 'containerPort', 'protocol', 'hostPort', 'hostIP'))),
  env: list(
    obj({
      ...leaves('name', 'value'),
      valueFrom: obj({
        configMapKeyRef: keyRef,
        secretKeyRef: keyRef,
        fieldRef: obj(leaves('apiVersion', 'fieldPath')),
        resourceFieldRef: obj(leaves('containerName', 'resource', 'divisor')),
      }),
    }),
  ),
  envFrom: list(
    obj({ prefix: any, configMapRef: obj(leaves('name', 'optional')), secretRef: obj(leaves('name', 'optional')) }),
  ),
  resources: obj(leaves('limits', 'requests', 'claims')),
  volumeMounts: list(
    obj(leaves('name', 'readOnly', 'mountPath', 'subPath', 'subPathExpr', 'mountPropagation', 'recursiveReadOnly')),
  ),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  securityContext: obj({
    ...leaves(
      'privileged',
      'seLinuxOptions',
      'windowsOptions',
      'runAsUser',
      'runAsGroup',
      'runAsNonRoot',
      'readOnlyRootFilesystem',
      'allowPrivilegeEscalation',
      'procMount',
      'appArmorProfile',
    ),
    capabilities: obj(leaves('add', 'drop')),
    seccompProfile: obj(leaves('type', 'localhostProfile')),
  }),
});

export const VOLUME_SOURCES = [
  'secret',
  'configMap',
  'projected',
  'emptyDir',
  'persistentVolumeClaim',
  'hostPath',
  'ephemeral',
  'csi',
  'nfs',
  'downwardAPI',
  'gitRepo',
  'image',
  'awsElasticBlockStore',
  'gcePersistentDisk',
  'azureDisk',
  'azureFile',
  'cephfs',
  'cinder',
  'fc',
  'flexVolume',
  'flocker',
  'glusterfs',
  'iscsi',
  'photonPersistentDisk',
  'portworxVolume',
  'quobyte',
  'rbd',
  'scaleIO',
  'storageos',
  'vsphereVolume',
] as const;

const volume = obj({
  ...leaves('name', ...VOLUME_SOURCES),
  secret: obj({ ...leaves('secretName', 'defaultMode', 'optional'), items: keyToPath }),
  configMap: obj({ ...leaves('name', 'defaultMode', 'optional'), items: keyToPath }),
  projected: obj({
    defaultMode: any,
    sources: list(
      obj({
        secret: obj({ ...leaves('name', 'optional'), items: keyToPath }),
        configMap: obj({ ...leaves('name', 'optional'), items: keyToPath }),
        serviceAccountToken: obj(leaves('audience', 'expirationSeconds', 'path')),
        downwardAPI: any,
        clusterTrustBundle: any,
      }),
    ),
  }),
  emptyDir: obj(leaves('medium', 'sizeLimit')),
  persistentVolumeClaim: obj(leaves('claimName', 'readOnly')),
});

export const KNATIVE_REVISION_FIELDS = [
  'containerConcurrency',
  'timeoutSeconds',
  'responseStartTimeoutSeconds',
  'idleTimeoutSeconds',
] as const;

export const PODSPEC_FIELDS = [
  'volumes',
  'initContainers',
  'containers',
  'ephemeralContainers',
  'restartPolicy',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'dnsPolicy',
  'nodeSelector',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'nodeName',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'shareProcessNamespace',
  'securityContext',
  'imagePullSecrets',
  'hostname',
  'subdomain',
  'affinity',
  'schedulerName',
  'tolerations',
  'hostAliases',
  'priorityClassName',
  'priority',
  'dnsConfig',
  'readinessGates',
  'runtimeClassName',
  'enableServiceLinks',
  'preemptionPolicy',
  'overhead',
  'topologySpreadConstraints',
  'setHostnameAsFQDN',
  'os',
  'hostUsers',
  'schedulingGates',
  'resourceClaims',
  'resources',
] as const;

export const revisionSpec = obj({
  ...leaves(...PODSPEC_FIELDS, ...KNATIVE_REVISION_FIELDS),
  containers: list(container),
  initContainers: list(container),
  volumes: list(volume),
  imagePullSecrets: list(obj(leaves('name'))),
});

export const metadata = obj(
  leaves(
    'name',
    'generateName',
    'namespace',
    'selfLink',
    'uid',
    'resourceVersion',
    'generation',
    'creationTimestamp',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
    'labels',
    'annotations',
    'ownerReferences',
    'finalizers',
    'managedFields',
  ),
);
export const template = obj({ metadata, spec: revisionSpec });
export const traffic = list(
  obj(leaves('tag', 'revisionName', 'configurationName', 'latestRevision', 'percent', 'url')),
);
/** A Knative-style object: apiVersion, kind, metadata, spec, status. */
export const top = (spec: Schema): Schema => obj({ ...leaves('apiVersion', 'kind', 'status'), metadata, spec });

function walk(value: unknown, schema: Schema, path: string, out: string[]): void {
  if (schema === 'any' || value === null || value === undefined) return;
  if ('list' in schema) {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, schema.list, at(path, i), out);
    return;
  }
  if (!isObj(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const sub = schema.fields[k];
    if (sub === undefined) out.push(at(path, k));
    else walk(v, sub, at(path, k), out);
  }
}

/** Paths of the fields of `obj` that `schema` does not have (for `fieldValidation=Strict|Warn`). */
export function unknownFieldsOf(obj: unknown, schema: Schema): string[] {
  const out: string[] = [];
  walk(obj, schema, '', out);
  return out;
}
