import { FieldError, type FieldProblem } from '../errors.js';
import { MSG } from '../resources/validation/errors.js';

/**
 * The part of Knative's `config-features` ConfigMap that changes what validation accepts.
 * Values are Knative's: `enabled`, `disabled`, `allowed` (allowed counts as on for validation).
 */
export interface FeaturesConfig {
  multiContainer: boolean;
  multiContainerProbing: boolean;
  emptyDir: boolean;
  /** PodSpec fields behind `kubernetes.podspec-*` flags that are switched on. */
  podSpecFields: string[];
  fieldRef: boolean;
  /**
   * Kedge's own gate: Revisions whose container has `command` run that command as a local process
   * on the runner, with the runner's rights. Off unless an operator turns it on.
   */
  processRevisions: boolean;
}

/**
 * config-features key of the process-revision gate. Knative-style (`kubernetes.podspec-*`); not
 * `kedge.dev/…` because ConfigMap data keys may not contain `/` in Kubernetes.
 */
export const PROCESS_REVISIONS_FEATURE = 'kedge.process-revisions';

export const FEATURES_CONFIG: FeaturesConfig = {
  multiContainer: true,
  multiContainerProbing: false,
  emptyDir: true,
  podSpecFields: [],
  fieldRef: false,
  processRevisions: false,
};

/** config-features key → the PodSpec field it unlocks. */
export const PODSPEC_FEATURE_FIELDS: Record<string, string[]> = {
  'kubernetes.podspec-affinity': ['affinity'],
  'kubernetes.podspec-nodeselector': ['nodeSelector'],
  'kubernetes.podspec-tolerations': ['tolerations'],
  'kubernetes.podspec-topologyspreadconstraints': ['topologySpreadConstraints'],
  'kubernetes.podspec-hostaliases': ['hostAliases'],
  'kubernetes.podspec-runtimeclassname': ['runtimeClassName'],
  'kubernetes.podspec-securitycontext': ['securityContext'],
  'kubernetes.podspec-shareprocessnamespace': ['shareProcessNamespace'],
  'kubernetes.podspec-priorityclassname': ['priorityClassName'],
  'kubernetes.podspec-schedulername': ['schedulerName'],
  'kubernetes.podspec-init-containers': ['initContainers'],
  'kubernetes.podspec-dnspolicy': ['dnsPolicy'],
  'kubernetes.podspec-dnsconfig': ['dnsConfig'],
  'kubernetes.podspec-hostipc': ['hostIPC'],
  'kubernetes.podspec-hostpid': ['hostPID'],
  'kubernetes.podspec-hostnetwork': ['hostNetwork'],
};

export function parseFeaturesConfig(data: Record<string, string> | undefined): FeaturesConfig {
  const d = data ?? {};
  const cfg: FeaturesConfig = { ...FEATURES_CONFIG, podSpecFields: [] };
  const problems: FieldProblem[] = [];
  const flag = (key: string): boolean | undefined => {
    if (!Object.hasOwn(d, key)) return undefined;
    const v = String(d[key]).trim().toLowerCase();
    if (v === 'enabled' || v === 'allowed') return true;
    if (v === 'disabled') return false;
    problems.push({ path: key, message: MSG.invalid(d[key]) });
    return undefined;
  };
  cfg.multiContainer = flag('multi-container') ?? cfg.multiContainer;
  cfg.multiContainerProbing = flag('multi-container-probing') ?? cfg.multiContainerProbing;
  cfg.emptyDir = flag('kubernetes.podspec-emptydir') ?? cfg.emptyDir;
  cfg.fieldRef = flag('kubernetes.podspec-fieldref') ?? cfg.fieldRef;
  cfg.processRevisions = flag(PROCESS_REVISIONS_FEATURE) ?? cfg.processRevisions;
  for (const [key, fields] of Object.entries(PODSPEC_FEATURE_FIELDS)) {
    if (flag(key)) cfg.podSpecFields.push(...fields);
  }
  if (problems.length > 0) throw new FieldError(problems);
  return cfg;
}
