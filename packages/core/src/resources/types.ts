/** Knative serving.knative.dev/v1 shapes (and the internal kinds Kedge keeps alongside them). */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  generateName?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  severity?: 'Error' | 'Warning' | 'Info' | '';
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Probe {
  httpGet?: {
    path?: string;
    port?: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name: string; value: string }[];
  };
  tcpSocket?: { port?: number | string; host?: string };
  exec?: { command?: string[] };
  grpc?: { port?: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface Container {
  name?: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: unknown[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  workingDir?: string;
  imagePullPolicy?: string;
  securityContext?: Record<string, unknown>;
  volumeMounts?: unknown[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  [field: string]: unknown;
}

export interface RevisionSpec {
  containers: Container[];
  containerConcurrency?: number;
  timeoutSeconds?: number;
  responseStartTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  serviceAccountName?: string;
  enableServiceLinks?: boolean;
  volumes?: unknown[];
  [field: string]: unknown;
}

export interface RevisionTemplateSpec {
  metadata?: Partial<ObjectMeta>;
  spec: RevisionSpec;
}

export interface TrafficTarget {
  tag?: string;
  revisionName?: string;
  configurationName?: string;
  latestRevision?: boolean;
  percent?: number;
  url?: string;
}

export interface Status {
  observedGeneration?: number;
  conditions?: Condition[];
  annotations?: Record<string, string>;
}

export interface ConfigurationSpec {
  template: RevisionTemplateSpec;
}

export interface ConfigurationStatus extends Status {
  latestCreatedRevisionName?: string;
  latestReadyRevisionName?: string;
}

export interface RouteSpec {
  traffic?: TrafficTarget[];
}

export interface RouteStatus extends Status {
  url?: string;
  address?: { url?: string };
  traffic?: TrafficTarget[];
}

export interface RevisionStatus extends Status {
  logUrl?: string;
  containerStatuses?: { name: string; imageDigest?: string }[];
  /** Kedge: what a registry image reference resolved to (resources/resolved-image.ts). */
  resolvedImage?: ResolvedImageStatus;
  actualReplicas?: number;
  desiredReplicas?: number;
}

/**
 * Set once by the revision reconciler when the serving container's image names a registry and was
 * resolved to a digest (Knative's tag-to-digest resolution; `containerStatuses[0].imageDigest` holds
 * `registry/repository@sha256:…`). Which runtime runs the revision follows `artifactType`.
 */
export interface ResolvedImageStatus {
  /**
   * The manifest's `artifactType`, else its config's media type (else an index's own media type):
   * `application/vnd.wasm.config.v0+json` is a WebAssembly component, anything else a container image.
   * Absent when the resolution was skipped.
   */
  artifactType?: string;
  /** For a wasm artifact: the component layer's digest, stored in the Store's blobs (the component store). */
  component?: string;
  /**
   * config-deployment `registries-skipping-tag-resolving` names the registry: the image is used as
   * written (by a container engine), nothing was fetched, and there is no `artifactType`.
   */
  skipped?: boolean;
}

export interface Resource<K extends string = string, S = unknown, St = unknown> {
  apiVersion: string;
  kind: K;
  metadata: ObjectMeta;
  spec?: S;
  status?: St;
}

export type Service = Resource<'Service', ConfigurationSpec & RouteSpec, ConfigurationStatus & RouteStatus> & {
  spec: ConfigurationSpec & RouteSpec;
};
export type Configuration = Resource<'Configuration', ConfigurationSpec, ConfigurationStatus> & {
  spec: ConfigurationSpec;
};
export type Revision = Resource<'Revision', RevisionSpec, RevisionStatus> & { spec: RevisionSpec };
export type Route = Resource<'Route', RouteSpec, RouteStatus> & { spec: RouteSpec };

export interface PodAutoscalerSpec {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  containerConcurrency?: number;
  reachability?: 'Reachable' | 'Unreachable' | '';
  protocolType?: string;
}

export interface PodAutoscalerStatus extends Status {
  desiredScale?: number;
  actualScale?: number;
  serviceName?: string;
  metricsServiceName?: string;
}

export type PodAutoscaler = Resource<'PodAutoscaler', PodAutoscalerSpec, PodAutoscalerStatus> & {
  spec: PodAutoscalerSpec;
};

export interface ServerlessServiceSpec {
  mode: 'Proxy' | 'Serve';
  numActivators?: number;
  objectRef: { apiVersion: string; kind: string; name: string };
  protocolType?: string;
}

export interface ServerlessServiceStatus extends Status {
  serviceName?: string;
  privateServiceName?: string;
  readyEndpoints?: number;
}

export type ServerlessService = Resource<'ServerlessService', ServerlessServiceSpec, ServerlessServiceStatus> & {
  spec: ServerlessServiceSpec;
};

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  data?: Record<string, string>;
  spec?: undefined;
  status?: undefined;
}

export type AnyResource = Resource | ConfigMap;
