import { setCondition, type AnyResource, type Condition, type OwnerReference, type Store } from '@kedge/core';

export const LABEL = {
  service: 'serving.knative.dev/service',
  serviceUID: 'serving.knative.dev/serviceUID',
  configuration: 'serving.knative.dev/configuration',
  configurationUID: 'serving.knative.dev/configurationUID',
  configurationGeneration: 'serving.knative.dev/configurationGeneration',
  revision: 'serving.knative.dev/revision',
  revisionUID: 'serving.knative.dev/revisionUID',
  route: 'serving.knative.dev/route',
  routingState: 'serving.knative.dev/routingState',
} as const;

export const ANNOTATION = {
  routingStateModified: 'serving.knative.dev/routingStateModified',
  noGc: 'serving.knative.dev/no-gc',
  lastApplied: 'kubectl.kubernetes.io/last-applied-configuration',
} as const;

/** The controller owner reference a child carries (`kubectl` and our cascade follow it). */
export function controllerRef(owner: AnyResource): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(o: AnyResource): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}

export function isControlledBy(o: AnyResource, owner: AnyResource): boolean {
  return controllerOf(o)?.uid === owner.metadata.uid;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Object keys in a stable order, so equal maps compare equal however they were built. */
export function sorted<T>(m: Record<string, T> | undefined): Record<string, T> | undefined {
  if (!m) return undefined;
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

/**
 * Writes `status` when it differs from what is stored, with the resourceVersion read (CAS): a
 * concurrent writer makes this fail with Conflict and the controller reads again.
 */
export async function writeStatus<T extends AnyResource>(store: Store, obj: T, status: unknown): Promise<T> {
  if (sameJson((obj as { status?: unknown }).status, status)) return obj;
  return store.update({ ...obj, status } as T);
}

export type ConditionStatus = Condition['status'];

/** A Knative ConditionSet: set dependents, and Ready follows them (False wins, then Unknown). */
export class Conditions {
  constructor(
    private list: Condition[],
    private readonly now: string,
    private readonly dependents: string[],
  ) {}

  set(
    type: string,
    status: ConditionStatus,
    reason?: string,
    message?: string,
    severity?: Condition['severity'],
  ): this {
    const c: Condition = { type, status };
    if (severity && status !== 'True') c.severity = severity;
    if (reason) c.reason = reason;
    if (message) c.message = message;
    this.list = setCondition(this.list, c, this.now);
    return this;
  }

  get(type: string): Condition | undefined {
    return this.list.find((c) => c.type === type);
  }

  /** The conditions with Ready derived from the dependents (when there are any), Ready first then alphabetical (stable output). */
  done(): Condition[] {
    if (this.dependents.length) {
      const deps = this.dependents.map((t) => this.get(t) ?? ({ type: t, status: 'Unknown' } as Condition));
      const bad = deps.find((c) => c.status === 'False') ?? deps.find((c) => c.status === 'Unknown');
      if (bad) this.set('Ready', bad.status, bad.reason, bad.message);
      else this.set('Ready', 'True');
    }
    const ready = this.list.filter((c) => c.type === 'Ready');
    return [...ready, ...this.list.filter((c) => c.type !== 'Ready').sort((a, b) => a.type.localeCompare(b.type))];
  }
}

export function readyCondition(o: AnyResource | undefined): Condition | undefined {
  return ((o as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions ?? []).find(
    (c) => c.type === 'Ready',
  );
}

export function isFailed(o: AnyResource | undefined): boolean {
  return readyCondition(o)?.status === 'False';
}

/**
 * Where a reconcile starts its status: the stored conditions as a ConditionSet over `dependents`,
 * and the stored status at the generation this reconcile observes.
 */
export function statusStart<S extends { conditions?: Condition[]; observedGeneration?: number }>(
  o: { metadata: { generation?: number }; status?: S },
  now: string,
  dependents: string[],
): { conds: Conditions; status: S } {
  return {
    conds: new Conditions(o.status?.conditions ?? [], now, dependents),
    status: { ...o.status, observedGeneration: o.metadata.generation } as S,
  };
}
