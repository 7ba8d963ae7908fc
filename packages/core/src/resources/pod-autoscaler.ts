import type { PodAutoscaler, Revision } from './types.js';
import { AUTOSCALING_ANNOTATIONS } from './validation/annotations.js';

const CLASS_ANNOTATION = AUTOSCALING_ANNOTATIONS.class[0];

function sortedKeys(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/**
 * The PodAutoscaler a Revision needs (Knative's `kpa`): same name, owned by the revision, scaling it.
 * The api's revision reconciler creates it; an autoscaler that sees the revision first creates the
 * same object, so whichever writes first, the result is identical. It always carries its class:
 * the revision's `autoscaling.knative.dev/class`, else config-autoscaler's `pod-autoscaler-class`
 * (`defaultClass`), the class the autoscaler runs it with; `kubectl get kpa` shows it.
 */
export function podAutoscalerFor(rev: Revision, defaultClass: string): PodAutoscaler {
  const labels: Record<string, string> = { 'serving.knative.dev/revision': rev.metadata.name };
  if (rev.metadata.uid) labels['serving.knative.dev/revisionUID'] = rev.metadata.uid;
  for (const k of ['serving.knative.dev/configuration', 'serving.knative.dev/service']) {
    const v = rev.metadata.labels?.[k];
    if (v) labels[k] = v;
  }
  const state = rev.metadata.labels?.['serving.knative.dev/routingState'];
  const port = rev.spec.containers.find((c) => c.ports?.length)?.ports?.[0];
  return {
    apiVersion: 'autoscaling.internal.knative.dev/v1alpha1',
    kind: 'PodAutoscaler',
    metadata: {
      name: rev.metadata.name,
      namespace: rev.metadata.namespace,
      labels: sortedKeys(labels),
      annotations: sortedKeys({ [CLASS_ANNOTATION]: defaultClass, ...rev.metadata.annotations }),
      ownerReferences: [
        {
          apiVersion: rev.apiVersion,
          kind: 'Revision',
          name: rev.metadata.name,
          uid: rev.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      scaleTargetRef: { apiVersion: rev.apiVersion, kind: 'Revision', name: rev.metadata.name },
      containerConcurrency: rev.spec.containerConcurrency ?? 0,
      reachability: state === 'active' ? 'Reachable' : state === 'reserve' ? 'Unreachable' : '',
      protocolType: port?.name === 'h2c' ? 'h2c' : 'http1',
    },
  };
}
