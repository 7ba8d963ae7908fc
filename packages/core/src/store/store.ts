import type { AnyResource } from '../resources/types.js';
import type { Kind } from '../resources/kinds.js';

export interface ListOptions {
  namespace?: string;
  /** Kubernetes equality selector: `a=b,c!=d,e` (set-based selectors are not supported). */
  labelSelector?: string;
}

export interface WatchOptions extends ListOptions {
  kind?: Kind;
  /** Emit an ADDED event for every existing object first (default true), then live changes. */
  initial?: boolean;
  /** Called once the initial ADDED events were delivered and live changes follow (an informer's HasSynced). */
  onSynced?: () => void;
  /**
   * Resume after this resourceVersion instead of listing (a Kubernetes watch with resourceVersion):
   * first what changed since, in resourceVersion order — objects written since as MODIFIED (their
   * current state), objects deleted since as DELETED — then live changes. `initial` is ignored.
   */
  since?: string;
  /**
   * With `since`: the store no longer knows everything that happened after it (its deletion history
   * was compacted past it). Nothing is delivered; the caller must list again (Kubernetes: 410 Expired).
   */
  onExpired?: (message: string) => void;
}

export interface WatchEvent<T extends AnyResource = AnyResource> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

export interface BlobStore {
  /** Stores bytes content-addressed; returns `sha256:<hex>`. */
  put(bytes: Uint8Array): Promise<string>;
  get(digest: string): Promise<Uint8Array | undefined>;
  has(digest: string): Promise<boolean>;
}

/**
 * Resources keyed by kind/namespace/name. Every write gets a new, store-wide increasing
 * `metadata.resourceVersion`; update and delete can demand the version they read (optimistic
 * concurrency). Writes are single-object and atomic; reconcilers are level-based, so a crash
 * between two writes is repaired by the next reconcile.
 */
export interface Store {
  get<T extends AnyResource = AnyResource>(kind: Kind, namespace: string, name: string): Promise<T | undefined>;
  list<T extends AnyResource = AnyResource>(
    kind: Kind,
    opts?: ListOptions,
  ): Promise<{ items: T[]; resourceVersion: string }>;
  /** Fails with StoreError AlreadyExists. Sets uid, creationTimestamp, generation (1) and resourceVersion. */
  create<T extends AnyResource>(obj: T): Promise<T>;
  /**
   * Replaces the object. If obj.metadata.resourceVersion is set it must match (else Conflict).
   * Keeps uid and creationTimestamp; bumps generation when `spec` (or ConfigMap `data`) changed.
   */
  update<T extends AnyResource>(obj: T): Promise<T>;
  /** Returns the deleted object, or undefined when there was none. */
  delete<T extends AnyResource = AnyResource>(
    kind: Kind,
    namespace: string,
    name: string,
    opts?: { resourceVersion?: string },
  ): Promise<T | undefined>;
  watch(opts: WatchOptions, handler: (ev: WatchEvent) => void): () => void;
  readonly blobs: BlobStore;
  close(): Promise<void>;
}

/** Parses an equality label selector into a predicate. */
export function labelSelectorMatcher(
  selector: string | undefined,
): (labels: Record<string, string> | undefined) => boolean {
  if (!selector?.trim()) return () => true;
  const terms = selector
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      let m = /^([^!=]+)!=(.*)$/.exec(t);
      if (m) return { key: m[1]!.trim(), op: '!=' as const, value: m[2]!.trim() };
      m = /^([^!=]+)==?(.*)$/.exec(t);
      if (m) return { key: m[1]!.trim(), op: '=' as const, value: m[2]!.trim() };
      if (t.startsWith('!')) return { key: t.slice(1).trim(), op: '!' as const, value: '' };
      return { key: t, op: 'exists' as const, value: '' };
    });
  return (labels) => {
    const l = labels ?? {};
    return terms.every((term) => {
      switch (term.op) {
        case '=':
          return l[term.key] === term.value;
        case '!=':
          return l[term.key] !== term.value;
        case '!':
          return !(term.key in l);
        default: // 'exists'
          return term.key in l;
      }
    });
  };
}

/**
 * Whether the desired state moved. Compared by value, not by key order: kubectl's merge patch keeps
 * the stored order while a PUT brings the manifest's, and the same spec must not count as a change.
 */
export function specChanged(a: AnyResource, b: AnyResource): boolean {
  const pick = (o: AnyResource) =>
    JSON.stringify(
      sortedKeys('data' in o && o.kind === 'ConfigMap' ? (o.data ?? {}) : ((o as { spec?: unknown }).spec ?? null)),
    );
  return pick(a) !== pick(b);
}

function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, sortedKeys(o[k])]),
  );
}
