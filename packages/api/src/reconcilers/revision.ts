import {
  componentDigest,
  parseImageDigest,
  parseImageReference,
  PROCESS_REVISIONS_FEATURE,
  resolvesFromRegistry,
  skipsTagResolution,
  podAutoscalerFor,
  revisionRuntimeKind,
  type Condition,
  type PodAutoscaler,
  type Revision,
  type RevisionHealth,
  type RevisionStatus,
  revisionRef,
  type KedgeEvent,
  type Store,
} from '@kedge/core';
import type { Resolution } from './image-resolver.js';
import { Conditions, isControlledBy, sameJson, writeStatus } from './util.js';

export interface RevisionReconcilerDeps {
  store: Store;
  now: () => string;
  /** The latest RevisionHealth a runner reported for `ns/name`, if any since this process started. */
  health: (key: string) => RevisionHealth | undefined;
  /** config-features `kedge.process-revisions`, as it is now. */
  processRevisions: () => boolean;
  /** Tag-to-digest resolution of registry images (ImageResolver): where `ns/name`'s stands. */
  resolveImage: (key: string, image: string) => Resolution;
  /** The resolution is recorded in the Revision's status: the resolver may let go of it. */
  resolutionRecorded: (key: string) => void;
  /** config-deployment `registries-skipping-tag-resolving`, as it is now. */
  registriesSkippingTagResolving: () => readonly string[];
  /** config-autoscaler `pod-autoscaler-class`, as it is now: the class of a PA whose revision names none. */
  podAutoscalerClass: () => string;
  /** Reports a change an operator should see (Ready turning True or False) as an Event. */
  emit?: (ev: KedgeEvent) => void;
}

/** Reasons this reconciler itself decides (the others come from runners and are kept across restarts). */
const CONTAINER_MISSING = 'ContainerMissing';
/** Knative's reason while image digests are being resolved. */
const RESOLVING = 'ResolvingDigests';
/** A failed resolution's reasons (RegistryError): a later success makes the revision healthy again. */
const REGISTRY_REASONS = new Set([
  RESOLVING,
  'RegistryUnreachable',
  'ImageNotFound',
  'RegistryUnauthorized',
  'ImageInvalid',
  'RegistryError',
]);

/**
 * Why the image cannot run, before any runner tries: a component uploaded by `kedge apply` (image
 * `<file>.wasm@sha256:<hex>`) or a registry component must be in the store, a process needs the gate
 * open. A container image is the runners' to judge: they report a missing engine or image (RevisionHealth).
 */
async function imageProblem(store: Store, rev: Revision, processRevisions: boolean): Promise<string | undefined> {
  const c = rev.spec.containers[0];
  if (!c) return 'the revision has no container';
  const kind = revisionRuntimeKind(rev);
  if (kind === 'container') return undefined;
  // Admission refuses new ones while the gate is off; this covers those stored before it was closed.
  if (kind === 'process')
    return processRevisions
      ? undefined
      : `process revisions are disabled: "${PROCESS_REVISIONS_FEATURE}: enabled" in ConfigMap config-features (namespace knative-serving) turns them on`;
  if (resolvesFromRegistry(rev)) {
    const component = componentDigest(rev);
    if (component && !(await store.blobs.has(component)))
      return (
        `Unable to fetch image "${c.image}": its component ${component} is no longer in the store; ` +
        `delete the revision so a new one resolves the image again`
      );
    return undefined;
  }
  const digest = parseImageDigest(c.image ?? '');
  if (!digest)
    return (
      `Unable to fetch image "${c.image}": a WebAssembly component is referenced as "<file>.wasm@sha256:<hex>" ` +
      `— use \`kedge apply -f\` or \`kedge service create --image ./file.wasm\` so the file is uploaded`
    );
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
  if (desired > 0)
    return ['Unknown', 'Queued', 'Requests to the target are being buffered as resources are provisioned.'];
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
  return async function reconcileRevision(ns: string, name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const rev = await store.get<Revision>('Revision', ns, name);
    if (!rev) return undefined;
    const now = deps.now();
    const conds = new Conditions(rev.status?.conditions ?? [], now, ['ResourcesAvailable', 'ContainerHealthy']);

    const desired = podAutoscalerFor(rev, deps.podAutoscalerClass());
    let pa = await store.get<PodAutoscaler>('PodAutoscaler', ns, name);
    if (!pa) pa = await store.create(desired);
    if (!isControlledBy(pa, rev)) {
      conds.set(
        'ResourcesAvailable',
        'False',
        'NotOwned',
        `There is an existing PodAutoscaler "${name}" that we do not own.`,
      );
      pa = undefined;
    } else {
      if (
        !sameJson(pa.spec, desired.spec) ||
        !sameJson(pa.metadata.labels, desired.metadata.labels) ||
        !sameJson(pa.metadata.annotations, desired.metadata.annotations)
      ) {
        const { annotations: _a, ...meta } = pa.metadata;
        pa = await store.update<PodAutoscaler>({
          ...pa,
          metadata: {
            ...meta,
            labels: desired.metadata.labels!,
            ...(desired.metadata.annotations ? { annotations: desired.metadata.annotations } : {}),
          },
          spec: desired.spec,
        });
      }
      conds.set('ResourcesAvailable', 'True');
    }

    const key = `${ns}/${name}`;
    const c0 = rev.spec.containers[0];
    const fromRegistry = resolvesFromRegistry(rev);
    // Resolved once: what the status recorded stays, whatever the tag points at later.
    let resolvedImage = rev.status?.resolvedImage;
    let imageDigest = resolvedImage
      ? rev.status?.containerStatuses?.[0]?.imageDigest
      : fromRegistry
        ? undefined
        : parseImageDigest(c0?.image ?? '');
    let resolution: Resolution | undefined;
    if (fromRegistry && !resolvedImage) {
      if (skipsTagResolution(parseImageReference(c0!.image!)!, deps.registriesSkippingTagResolving()))
        resolvedImage = { skipped: true };
      else {
        resolution = deps.resolveImage(key, c0!.image!);
        if (resolution.state === 'resolved') ({ resolvedImage, imageDigest } = resolution);
      }
    }
    // Read on the status this pass writes: a resolved wasm image's component is checked below.
    const seen: Revision = resolvedImage ? { ...rev, status: { ...rev.status, resolvedImage } } : rev;
    const problem = await imageProblem(store, seen, deps.processRevisions());
    const health = deps.health(key);
    const prev = conds.get('ContainerHealthy');
    if (resolution?.state === 'resolving')
      conds.set('ContainerHealthy', 'Unknown', RESOLVING, `Resolving the digest of image "${c0!.image}"`);
    else if (resolution?.state === 'failed')
      conds.set(
        'ContainerHealthy',
        'False',
        resolution.reason,
        `Unable to fetch image "${c0!.image}": ${resolution.message}`,
      );
    else if (problem) conds.set('ContainerHealthy', 'False', CONTAINER_MISSING, problem);
    else if (health && !health.ready)
      conds.set(
        'ContainerHealthy',
        'False',
        health.reason || 'LoadFailed',
        `Container failed with: ${health.message ?? 'the runner could not load the revision'}`,
      );
    else if (health?.ready || prev?.status === 'True') conds.set('ContainerHealthy', 'True');
    // Until a runner has loaded (compiled) the image nobody knows it runs: Ready waits, so that
    // `kedge apply` and `kn` never call a revision ready that can never start (Knative waits for a pod).
    else if (
      !prev ||
      prev.status === 'Unknown' ||
      prev.reason === CONTAINER_MISSING ||
      REGISTRY_REASONS.has(prev.reason ?? '')
    )
      conds.set('ContainerHealthy', 'Unknown', 'Deploying', 'Waiting for a runner to load the image.');

    const [active, reason, message] = activeFromAutoscaler(pa);
    // Informational (Knative: not part of Ready), so a revision at zero is still Ready.
    conds.set('Active', active, reason, message, 'Info');

    // The KPA reports desiredScale −1 before its first decision: at least what runs, never below the last known.
    const actual = Math.max(0, pa?.status?.actualScale ?? 0);
    const paDesired = pa?.status?.desiredScale;
    const desiredReplicas =
      paDesired !== undefined && paDesired >= 0 ? paDesired : Math.max(rev.status?.desiredReplicas ?? 0, actual);

    const status: RevisionStatus = {
      ...rev.status,
      ...(resolvedImage ? { resolvedImage } : {}),
      observedGeneration: rev.metadata.generation,
      conditions: conds.done(),
      actualReplicas: actual,
      desiredReplicas,
      containerStatuses: rev.spec.containers.map((c) => ({
        name: c.name ?? 'user-container',
        ...(c === c0 && imageDigest ? { imageDigest } : {}),
      })),
    };
    await writeStatus(store, rev, status);
    readinessEvent(deps, rev, status);
    if (resolution?.state === 'resolved') deps.resolutionRecorded(key);
    // A failed resolution is tried again after its backoff; the resolver's own answer enqueues the rest.
    return resolution?.state === 'failed' ? { requeueAfterMs: resolution.retryInMs } : undefined;
  };
}

/** RevisionReady / the failure's reason when Ready turns True or False (once per change). */
function readinessEvent(deps: RevisionReconcilerDeps, rev: Revision, status: RevisionStatus): void {
  const before = rev.status?.conditions?.find((c) => c.type === 'Ready');
  const after = status.conditions?.find((c) => c.type === 'Ready');
  if (
    !deps.emit ||
    !after ||
    after.status === 'Unknown' ||
    (before?.status === after.status && before.reason === after.reason)
  )
    return;
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
