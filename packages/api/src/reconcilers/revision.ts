import {
  parseImageDigest,
  PROCESS_REVISIONS_FEATURE,
  podAutoscalerFor,
  type Condition,
  type PodAutoscaler,
  type Revision,
  type RevisionHealth,
  type RevisionStatus,
  revisionRef,
  type KedgeEvent,
  type Store,
} from '@kedge/core';
import { Conditions, isControlledBy, sameJson, writeStatus } from './util.js';

export interface RevisionReconcilerDeps {
  store: Store;
  now: () => string;
  /** The latest RevisionHealth a runner reported for `ns/name`, if any since this process started. */
  health: (key: string) => RevisionHealth | undefined;
  /** config-features `kedge.process-revisions`, as it is now. */
  processRevisions: () => boolean;
  /** Reports a change an operator should see (Ready turning True or False) as an Event. */
  emit?: (ev: KedgeEvent) => void;
}

/** Reasons this reconciler itself decides (the others come from runners and are kept across restarts). */
const CONTAINER_MISSING = 'ContainerMissing';


/**
 * Why the image cannot run, before any runner tries: Kedge runs components uploaded by
 * `kedge apply` (image `<file>@sha256:<hex>`) or processes (a container with `command`).
 */
async function imageProblem(store: Store, rev: Revision, processRevisions: boolean): Promise<string | undefined> {
  const c = rev.spec.containers[0];
  if (!c) return 'the revision has no container';
  // Admission refuses new ones while the gate is off; this covers those stored before it was closed.
  if (c.command?.length)
    return processRevisions
      ? undefined
      : `process revisions are disabled: "${PROCESS_REVISIONS_FEATURE}: enabled" in ConfigMap config-features (namespace knative-serving) turns them on`;
  const digest = parseImageDigest(c.image ?? '');
  if (!digest)
    return `Unable to fetch image "${c.image}": Kedge runs WebAssembly components, referenced as "<file>.wasm@sha256:<hex>" — use \`kedge apply -f\` or \`kedge service create --image ./file.wasm\` so the file is uploaded — or local processes (set "command")`;
  if (!(await store.blobs.has(digest)))
    return `Unable to fetch image "${c.image}": no blob ${digest} in the store; apply the manifest again with \`kedge apply -f\` to upload the component`;
  return undefined;
}

function activeFromAutoscaler(pa: PodAutoscaler | undefined): [Condition['status'], string?, string?] {
  const own = pa?.status?.conditions?.find((c) => c.type === 'Active');
  if (own) return [own.status, own.reason, own.message];
  const desired = pa?.status?.desiredScale;
  const actual = pa?.status?.actualScale ?? 0;
  if (actual > 0) return ['True'];
  if (desired === undefined) return ['Unknown', 'Deploying'];
  if (desired > 0) return ['Unknown', 'Queued', 'Requests to the target are being buffered as resources are provisioned.'];
  return ['False', 'NoTraffic', 'The target is not receiving traffic.'];
}

/**
 * Revision → its PodAutoscaler, and the Revision's status: ResourcesAvailable (the PA is ours),
 * ContainerHealthy (the image can be fetched; runners' load reports), Active and replica counts
 * mirrored from the PA. Kedge loads a component in milliseconds on the first request, so a Revision
 * is Ready once a runner has loaded its image; it does not wait for a running instance.
 */
export function createRevisionReconciler(deps: RevisionReconcilerDeps) {
  const { store } = deps;
  return async function reconcileRevision(ns: string, name: string): Promise<void> {
    const rev = await store.get<Revision>('Revision', ns, name);
    if (!rev) return;
    const now = deps.now();
    const conds = new Conditions(rev.status?.conditions ?? [], now, ['ResourcesAvailable', 'ContainerHealthy']);

    const desired = podAutoscalerFor(rev);
    let pa = await store.get<PodAutoscaler>('PodAutoscaler', ns, name);
    if (!pa) pa = await store.create(desired);
    if (!isControlledBy(pa, rev)) {
      conds.set('ResourcesAvailable', 'False', 'NotOwned', `There is an existing PodAutoscaler "${name}" that we do not own.`);
      pa = undefined;
    } else {
      if (!sameJson(pa.spec, desired.spec) || !sameJson(pa.metadata.labels, desired.metadata.labels) || !sameJson(pa.metadata.annotations, desired.metadata.annotations)) {
        const { annotations: _a, ...meta } = pa.metadata;
        pa = await store.update<PodAutoscaler>({
          ...pa,
          metadata: { ...meta, labels: desired.metadata.labels!, ...(desired.metadata.annotations ? { annotations: desired.metadata.annotations } : {}) },
          spec: desired.spec,
        });
      }
      conds.set('ResourcesAvailable', 'True');
    }

    const problem = await imageProblem(store, rev, deps.processRevisions());
    const health = deps.health(`${ns}/${name}`);
    const prev = conds.get('ContainerHealthy');
    if (problem) conds.set('ContainerHealthy', 'False', CONTAINER_MISSING, problem);
    else if (health && !health.ready)
      conds.set('ContainerHealthy', 'False', health.reason || 'LoadFailed', `Container failed with: ${health.message ?? 'the runner could not load the revision'}`);
    else if (health?.ready || prev?.status === 'True') conds.set('ContainerHealthy', 'True');
    // Until a runner has loaded (compiled) the image nobody knows it runs: Ready waits, so that
    // `kedge apply` and `kn` never call a revision ready that can never start (Knative waits for a pod).
    else if (!prev || prev.status === 'Unknown' || prev.reason === CONTAINER_MISSING)
      conds.set('ContainerHealthy', 'Unknown', 'Deploying', 'Waiting for a runner to load the image.');

    const [active, reason, message] = activeFromAutoscaler(pa);
    // Informational (Knative: not part of Ready), so a revision at zero is still Ready.
    conds.set('Active', active, reason, message, 'Info');

    // The KPA reports desiredScale −1 before its first decision: at least what runs, never below the last known.
    const actual = Math.max(0, pa?.status?.actualScale ?? 0);
    const paDesired = pa?.status?.desiredScale;
    const desiredReplicas = paDesired !== undefined && paDesired >= 0 ? paDesired : Math.max(rev.status?.desiredReplicas ?? 0, actual);

    const c0 = rev.spec.containers[0];
    const digest = parseImageDigest(c0?.image ?? '');
    const status: RevisionStatus = {
      ...rev.status,
      observedGeneration: rev.metadata.generation,
      conditions: conds.done(),
      actualReplicas: actual,
      desiredReplicas,
      containerStatuses: rev.spec.containers.map((c) => ({
        name: c.name ?? 'user-container',
        ...(c === c0 && digest ? { imageDigest: digest } : {}),
      })),
    };
    await writeStatus(store, rev, status);
    readinessEvent(deps, rev, status);
  };
}

/** RevisionReady / the failure's reason when Ready turns True or False (once per change). */
function readinessEvent(deps: RevisionReconcilerDeps, rev: Revision, status: RevisionStatus): void {
  const before = rev.status?.conditions?.find((c) => c.type === 'Ready');
  const after = status.conditions?.find((c) => c.type === 'Ready');
  if (!deps.emit || !after || after.status === 'Unknown' || (before?.status === after.status && before.reason === after.reason)) return;
  const ok = after.status === 'True';
  deps.emit({
    involvedObject: revisionRef(rev.metadata.namespace, rev.metadata.name, rev.metadata.uid),
    type: ok ? 'Normal' : 'Warning',
    reason: ok ? 'RevisionReady' : after.reason || 'RevisionFailed',
    message: ok ? 'Revision is ready to serve.' : after.message || 'Revision is not ready.',
    component: 'api',
    time: Date.parse(deps.now()),
  });
}
