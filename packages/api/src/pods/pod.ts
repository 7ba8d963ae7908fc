import type { AnyResource, Revision } from '@kedge/core';

/** What the API knows of one running instance, from its runner's heartbeats and endpoints. */
export interface InstanceEntry {
  namespace: string;
  revision: string;
  instanceId: string;
  nodeId: string;
  ready: boolean;
  /** It was ready once (Running); before that it is starting (Pending). */
  started: boolean;
  /** ms: when the API first heard of it (Kedge's instances start in milliseconds: close to its start). */
  startedAt: number;
  /** ms: when it last turned ready or not ready. */
  readySince: number;
  /** ms: when a client deleted it (the runner is stopping it). */
  deletingSince?: number;
}

const LABELS = ['serving.knative.dev/service', 'serving.knative.dev/configuration'] as const;

/**
 * The `v1` Pod an instance is shown as: named `<revision>-<instance id>` (the instance id already is),
 * with Knative's labels, the node, phase, Ready condition, start time and restarts. Kedge does not
 * restart an instance in place (a failed one is replaced by a new one), so restartCount stays 0.
 */
export function podFor(e: InstanceEntry, rev: Revision | undefined): AnyResource {
  const iso = (ms: number) => new Date(ms).toISOString();
  const labels: Record<string, string> = {};
  for (const l of LABELS) {
    const v = rev?.metadata.labels?.[l];
    if (v) labels[l] = v;
  }
  labels['serving.knative.dev/revision'] = e.revision;
  if (rev?.metadata.uid) labels['serving.knative.dev/revisionUID'] = rev.metadata.uid;
  const container = rev?.spec.containers[0];
  const name = container?.name ?? 'user-container';
  const image = container?.image ?? '';
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: e.instanceId,
      namespace: e.namespace,
      uid: e.instanceId,
      creationTimestamp: iso(e.startedAt),
      labels,
      ...(e.deletingSince !== undefined
        ? { deletionTimestamp: iso(e.deletingSince), deletionGracePeriodSeconds: 0 }
        : {}),
      ...(rev?.metadata.uid
        ? {
            ownerReferences: [
              {
                apiVersion: 'serving.knative.dev/v1',
                kind: 'Revision',
                name: e.revision,
                uid: rev.metadata.uid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { nodeName: e.nodeId, containers: [{ name, image }] },
    status: {
      phase: e.started ? 'Running' : 'Pending',
      conditions: [
        { type: 'Ready', status: e.ready ? 'True' : 'False', lastTransitionTime: iso(e.readySince) },
        { type: 'ContainersReady', status: e.ready ? 'True' : 'False', lastTransitionTime: iso(e.readySince) },
      ],
      startTime: iso(e.startedAt),
      containerStatuses: [
        {
          name,
          image,
          ready: e.ready,
          started: e.started,
          restartCount: 0,
          state: e.started
            ? { running: { startedAt: iso(e.startedAt) } }
            : { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    },
  };
  return pod as unknown as AnyResource;
}
