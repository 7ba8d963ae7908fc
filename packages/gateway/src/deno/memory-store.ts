import {
  labelSelectorMatcher,
  StoreError,
  WatcherSet,
  type AnyResource,
  type BlobStore,
  type Kind,
  type ListOptions,
  type Store,
  type WatchEvent,
  type WatchOptions,
} from '@kedge/core';

/**
 * A Store held in memory, for a gateway that gets its objects from a feed rather than from
 * SQLite or NATS (the Deno entry). Same watch semantics as the real stores; no blobs — a
 * gateway never reads components.
 */
export class MemoryStore implements Store {
  private readonly objects = new Map<string, AnyResource>();
  private readonly watchers = new WatcherSet();
  private rv = 0;
  readonly blobs: BlobStore = {
    put: () => Promise.reject(new Error('blobs: not available in a feed-driven gateway')),
    get: async () => undefined,
    has: async () => false,
  };

  private static key(kind: string, ns: string, name: string): string {
    return `${kind}/${ns}/${name}`;
  }

  async get<T extends AnyResource = AnyResource>(kind: Kind, namespace: string, name: string): Promise<T | undefined> {
    const o = this.objects.get(MemoryStore.key(kind, namespace, name));
    return o ? (structuredClone(o) as T) : undefined;
  }

  async list<T extends AnyResource = AnyResource>(kind: Kind, opts: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string }> {
    return { items: this.listSync(kind, opts) as T[], resourceVersion: String(this.rv) };
  }

  private listSync(kind: Kind, opts: ListOptions): AnyResource[] {
    const match = labelSelectorMatcher(opts.labelSelector);
    return [...this.objects.values()]
      .filter((o) => o.kind === kind && (!opts.namespace || o.metadata.namespace === opts.namespace) && match(o.metadata.labels))
      .map((o) => structuredClone(o));
  }

  async create<T extends AnyResource>(obj: T): Promise<T> {
    const k = MemoryStore.key(obj.kind, obj.metadata.namespace, obj.metadata.name);
    if (this.objects.has(k)) throw new StoreError('AlreadyExists', `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} already exists`);
    const next = structuredClone(obj);
    next.metadata.resourceVersion = String(++this.rv);
    next.metadata.generation = 1;
    this.objects.set(k, next);
    this.watchers.emit({ type: 'ADDED', object: next });
    return structuredClone(next);
  }

  async update<T extends AnyResource>(obj: T): Promise<T> {
    const k = MemoryStore.key(obj.kind, obj.metadata.namespace, obj.metadata.name);
    const prev = this.objects.get(k);
    if (!prev) throw new StoreError('NotFound', `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} not found`);
    const want = obj.metadata.resourceVersion;
    if (want && want !== prev.metadata.resourceVersion) throw new StoreError('Conflict', `${obj.kind} ${obj.metadata.name} has been modified`);
    const next = structuredClone(obj);
    next.metadata.resourceVersion = String(++this.rv);
    this.objects.set(k, next);
    this.watchers.emit({ type: 'MODIFIED', object: next });
    return structuredClone(next);
  }

  async delete<T extends AnyResource = AnyResource>(kind: Kind, namespace: string, name: string): Promise<T | undefined> {
    const k = MemoryStore.key(kind, namespace, name);
    const prev = this.objects.get(k);
    if (!prev) return undefined;
    this.objects.delete(k);
    this.watchers.emit({ type: 'DELETED', object: prev });
    return prev as T;
  }

  watch(opts: WatchOptions, handler: (ev: WatchEvent) => void): () => void {
    if (opts.since !== undefined) {
      // Only what a feed last said is kept here, no history to replay from.
      opts.onExpired?.(`too old resource version: ${opts.since} (this store keeps no history)`);
      return () => undefined;
    }
    return this.watchers.watch(opts, handler, () =>
      WatcherSet.listing(
        opts,
        (kind) => this.listSync(kind, opts),
        () => [...new Set([...this.objects.values()].map((o) => o.kind as Kind))],
      ),
    );
  }

  async close(): Promise<void> {
    this.watchers.clear();
  }
}
