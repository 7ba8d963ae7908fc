import type { Configuration, ConfigurationStatus, Revision, Store } from '@kedge/core';
import { revisionName } from './naming.js';
import {
  ANNOTATION,
  controllerRef,
  isControlledBy,
  LABEL,
  readyCondition,
  sorted,
  statusStart,
  writeStatus,
} from './util.js';

export interface ConfigurationReconcilerDeps {
  store: Store;
  now: () => string;
  /** Revisions labelled with this configuration (from the watch cache). */
  revisionsOf: (ns: string, configuration: string) => Revision[];
}

function generationOf(r: Revision): number {
  return Number(r.metadata.labels?.[LABEL.configurationGeneration] ?? 0);
}

/** The Revision this generation of the Configuration stamps out (immutable once created). */
export function desiredRevision(cfg: Configuration, now: string): Revision {
  const generation = cfg.metadata.generation ?? 1;
  const tmpl = cfg.spec.template;
  const name = tmpl.metadata?.name || revisionName(cfg.metadata.name, generation);
  const labels: Record<string, string> = {
    ...tmpl.metadata?.labels,
    [LABEL.configuration]: cfg.metadata.name,
    [LABEL.configurationGeneration]: String(generation),
    [LABEL.configurationUID]: cfg.metadata.uid!,
    [LABEL.routingState]: 'pending',
  };
  const svc = cfg.metadata.labels?.[LABEL.service];
  if (svc) labels[LABEL.service] = svc;
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name,
      namespace: cfg.metadata.namespace,
      labels: sorted(labels)!,
      annotations: sorted({ ...tmpl.metadata?.annotations, [ANNOTATION.routingStateModified]: now })!,
      ownerReferences: [controllerRef(cfg)],
    },
    spec: structuredClone(tmpl.spec),
  };
}

/**
 * Configuration → one Revision per generation (`<config>-0000N`, or the template's own name), and
 * latestCreated/latestReadyRevisionName. latestReady is the newest Ready revision, so it only moves
 * when a newer one becomes Ready and falls back if that one is deleted.
 */
export function createConfigurationReconciler(deps: ConfigurationReconcilerDeps) {
  const { store } = deps;
  return async function reconcileConfiguration(ns: string, name: string): Promise<void> {
    const cfg = await store.get<Configuration>('Configuration', ns, name);
    if (!cfg) return;
    const now = deps.now();
    const { conds, status } = statusStart<ConfigurationStatus>(cfg, now, []);

    const want = desiredRevision(cfg, now);
    let latest = await store.get<Revision>('Revision', ns, want.metadata.name);
    if (!latest) latest = await store.create(want);
    const owned = isControlledBy(latest, cfg);

    const revs = deps.revisionsOf(ns, name).filter((r) => isControlledBy(r, cfg));
    if (!revs.some((r) => r.metadata.name === latest!.metadata.name) && isControlledBy(latest, cfg)) revs.push(latest);
    const ready = revs
      .filter((r) => readyCondition(r)?.status === 'True')
      .sort((a, b) => generationOf(b) - generationOf(a));
    if (ready[0]) status.latestReadyRevisionName = ready[0].metadata.name;
    else delete status.latestReadyRevisionName;

    if (!owned) {
      conds.set(
        'Ready',
        'False',
        'RevisionFailed',
        `Revision creation failed with message: Revision "${latest.metadata.name}" already exists and belongs to someone else.`,
      );
    } else {
      status.latestCreatedRevisionName = latest.metadata.name;
      const rc = readyCondition(latest);
      if (rc?.status === 'True') conds.set('Ready', 'True');
      else if (rc?.status === 'False')
        conds.set(
          'Ready',
          'False',
          'RevisionFailed',
          `Revision "${latest.metadata.name}" failed with message: ${rc.message ?? rc.reason ?? 'unknown'}.`,
        );
      else conds.set('Ready', 'Unknown', undefined, `Revision "${latest.metadata.name}" is not yet ready.`);
    }
    status.conditions = conds.done().filter((c) => c.type === 'Ready');
    await writeStatus(store, cfg, status);
  };
}
