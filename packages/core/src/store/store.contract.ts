import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.js';
import type { AnyResource, ConfigMap } from '../resources/types.js';
import type { Store, WatchEvent, WatchOptions } from './store.js';

/** A persistent backing: every `open()` is a new client of the same data (a reopen, for persistence). */
export interface StoreBacking {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

function service(name: string, ns = 'default', labels?: Record<string, string>, image = 'hello.wasm'): AnyResource {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    spec: { template: { spec: { containers: [{ image }] } } },
  } as unknown as AnyResource;
}

function configMap(name: string, data: Record<string, string>, ns = 'knative-serving'): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return (err as StoreError).code;
}

/** Records watch events and lets a test await them. */
function recorder() {
  const events: WatchEvent[] = [];
  const waiters: { pred: () => boolean; resolve: () => void }[] = [];
  let syncedResolve!: () => void;
  const synced = new Promise<void>((r) => (syncedResolve = r));
  return {
    events,
    synced,
    onSynced: () => syncedResolve(),
    handler: (ev: WatchEvent) => {
      events.push(ev);
      for (const w of [...waiters]) if (w.pred()) w.resolve();
    },
    until(pred: (evs: WatchEvent[]) => boolean): Promise<void> {
      if (pred(events)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ pred: () => pred(events), resolve }));
    },
    brief: () =>
      events.map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.namespace}/${e.object.metadata.name}`),
  };
}

function watchWith(store: Store, opts: WatchOptions) {
  const rec = recorder();
  const stop = store.watch({ ...opts, onSynced: rec.onSynced }, rec.handler);
  return { ...rec, stop };
}

/** The Store semantics every implementation keeps (same suite for SQLite and NATS KV). */
export function storeContract(name: string, makeBacking: () => Promise<StoreBacking>): void {
  describe(`Store contract: ${name}`, () => {
    let backing: StoreBacking;
    let store: Store;

    beforeEach(async () => {
      backing = await makeBacking();
      store = await backing.open();
    });
    afterEach(async () => {
      await store.close();
      await backing.cleanup();
    });

    it('creates with identity, generation 1 and a resourceVersion, and refuses a duplicate', async () => {
      const created = await store.create(service('hello'));
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(created.metadata.creationTimestamp!)).not.toBeNaN();
      expect(created.metadata.generation).toBe(1);
      expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(await store.get('Service', 'default', 'hello')).toEqual(created);
      expect(await codeOf(store.create(service('hello')))).toBe('AlreadyExists');
      expect(await store.get('Service', 'default', 'missing')).toBeUndefined();
      expect(await store.get('Service', 'other', 'hello')).toBeUndefined();
      expect(await store.get('Route', 'default', 'hello')).toBeUndefined();
    });

    it('increases resourceVersion with every write, across objects', async () => {
      const a = await store.create(service('a'));
      const b = await store.create(service('b'));
      const a2 = await store.update({ ...a, metadata: { ...a.metadata, labels: { x: '1' } } });
      const rv = (o: AnyResource) => Number(o.metadata.resourceVersion);
      expect(rv(b)).toBeGreaterThan(rv(a));
      expect(rv(a2)).toBeGreaterThan(rv(b));
    });

    it('lists by kind, namespace and label selector', async () => {
      await store.create(service('one', 'default', { app: 'web', tier: 'front' }));
      await store.create(service('two', 'default', { app: 'web' }));
      await store.create(service('three', 'team-a', { app: 'db' }));
      await store.create(configMap('config-domain', { 'example.com': '' }));
      const names = async (opts: Parameters<Store['list']>[1]) =>
        (await store.list('Service', opts)).items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
      expect(await names({})).toEqual(['default/one', 'default/two', 'team-a/three']);
      expect(await names({ namespace: 'default' })).toEqual(['default/one', 'default/two']);
      expect(await names({ labelSelector: 'app=web' })).toEqual(['default/one', 'default/two']);
      expect(await names({ labelSelector: 'app=web,tier!=front' })).toEqual(['default/two']);
      expect(await names({ labelSelector: 'tier' })).toEqual(['default/one']);
      expect(await names({ namespace: 'team-a', labelSelector: 'app=web' })).toEqual([]);
      expect(await names({ namespace: 'nobody' })).toEqual([]);
      const cms = await store.list('ConfigMap');
      expect(cms.items.map((o) => o.metadata.name)).toEqual(['config-domain']);
      expect(cms.resourceVersion).toMatch(/^\d+$/);
      const listed = (await store.list('Service', { namespace: 'team-a' })).items[0]!;
      expect(listed).toEqual(await store.get('Service', 'team-a', 'three'));
    });

    it('updates with compare-and-swap on resourceVersion', async () => {
      const v1 = await store.create(service('cas'));
      const v2 = await store.update({ ...v1, metadata: { ...v1.metadata, labels: { a: '1' } } });
      expect(v2.metadata.resourceVersion).not.toBe(v1.metadata.resourceVersion);
      expect(v2.metadata.labels).toEqual({ a: '1' });
      // A writer that read v1 loses.
      expect(await codeOf(store.update({ ...v1, metadata: { ...v1.metadata, labels: { a: 'stale' } } }))).toBe(
        'Conflict',
      );
      expect((await store.get('Service', 'default', 'cas'))!.metadata.labels).toEqual({ a: '1' });
      // Without a resourceVersion the write is unconditional.
      const { resourceVersion: _rv, ...meta } = v1.metadata;
      const v3 = await store.update({ ...v1, metadata: { ...meta, labels: { a: '3' } } });
      expect(Number((v3.metadata as { resourceVersion?: string }).resourceVersion)).toBeGreaterThan(
        Number(v2.metadata.resourceVersion),
      );
      expect(await codeOf(store.update(service('never-created')))).toBe('NotFound');
    });

    it('lets exactly one of two concurrent versioned updates win', async () => {
      const v1 = await store.create(service('race'));
      const results = await Promise.allSettled(
        ['x', 'y'].map((l) => store.update({ ...v1, metadata: { ...v1.metadata, labels: { who: l } } })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((rejected.reason as StoreError).code).toBe('Conflict');
    });

    it('bumps generation only when the spec (or ConfigMap data) changes, and keeps uid and creationTimestamp', async () => {
      const v1 = await store.create(service('gen'));
      const statusOnly = await store.update({
        ...v1,
        metadata: { ...v1.metadata, uid: 'forged', creationTimestamp: '2000-01-01T00:00:00Z' },
        status: { observedGeneration: 1 },
      } as AnyResource);
      expect(statusOnly.metadata.generation).toBe(1);
      expect(statusOnly.metadata.uid).toBe(v1.metadata.uid);
      expect(statusOnly.metadata.creationTimestamp).toBe(v1.metadata.creationTimestamp);
      const changed = service('gen', 'default', undefined, 'hello-v2.wasm');
      changed.metadata = { ...statusOnly.metadata };
      const v3 = await store.update(changed);
      expect(v3.metadata.generation).toBe(2);
      expect((await store.get('Service', 'default', 'gen'))!.metadata.generation).toBe(2);
      // The same spec with its keys in another order (a PUT of the manifest after kubectl's merge patch).
      const spec = { containers: [{ image: 'hello-v2.wasm', name: 'user' }], containerConcurrency: 5 };
      const v4 = await store.update({
        ...v3,
        spec: { template: { metadata: { name: 'gen-a' }, spec } },
      } as AnyResource);
      expect(v4.metadata.generation).toBe(3);
      const reordered = {
        ...v4,
        metadata: { ...v4.metadata, labels: { touched: 'yes' } },
        spec: {
          template: {
            spec: { containerConcurrency: 5, containers: [{ name: 'user', image: 'hello-v2.wasm' }] },
            metadata: { name: 'gen-a' },
          },
        },
      } as AnyResource;
      expect((await store.update(reordered)).metadata.generation).toBe(3);

      const cm = await store.create(configMap('config-autoscaler', { 'enable-scale-to-zero': 'true' }));
      const cmLabels = await store.update({ ...cm, metadata: { ...cm.metadata, labels: { x: 'y' } } });
      expect(cmLabels.metadata.generation).toBe(1);
      const cmData = await store.update({ ...cmLabels, data: { 'enable-scale-to-zero': 'false' } });
      expect(cmData.metadata.generation).toBe(2);
    });

    it('deletes, returning the object, with an optional resourceVersion check', async () => {
      const v1 = await store.create(service('del'));
      const v2 = await store.update({ ...v1, metadata: { ...v1.metadata, labels: { a: 'b' } } });
      expect(
        await codeOf(store.delete('Service', 'default', 'del', { resourceVersion: v1.metadata.resourceVersion! })),
      ).toBe('Conflict');
      expect(await store.get('Service', 'default', 'del')).toBeDefined();
      const gone = await store.delete('Service', 'default', 'del', { resourceVersion: v2.metadata.resourceVersion! });
      expect(gone?.metadata.uid).toBe(v1.metadata.uid);
      expect(gone?.metadata.labels).toEqual({ a: 'b' });
      expect(await store.get('Service', 'default', 'del')).toBeUndefined();
      expect((await store.list('Service')).items).toEqual([]);
      expect(await store.delete('Service', 'default', 'del')).toBeUndefined();
      // The name is free again, with a new identity.
      const again = await store.create(service('del'));
      expect(again.metadata.uid).not.toBe(v1.metadata.uid);
      expect(again.metadata.generation).toBe(1);
    });

    it('watches: existing objects first, then live changes', async () => {
      await store.create(service('before'));
      const w = watchWith(store, { kind: 'Service' });
      await w.synced;
      expect(w.brief()).toEqual(['ADDED Service/default/before']);
      const created = await store.create(service('after'));
      const updated = await store.update({ ...created, metadata: { ...created.metadata, labels: { v: '2' } } });
      await store.create(configMap('config-gc', {}));
      await store.delete('Service', 'default', 'before');
      await w.until((evs) => evs.length >= 4);
      expect(w.brief()).toEqual([
        'ADDED Service/default/before',
        'ADDED Service/default/after',
        'MODIFIED Service/default/after',
        'DELETED Service/default/before',
      ]);
      expect(w.events[2]!.object).toEqual(updated);
      expect(w.events[3]!.object.metadata.uid).toBeDefined();
      w.stop();
    });

    it('filters watches by kind, namespace and labels, and can skip the initial objects', async () => {
      await store.create(service('old', 'team-a', { app: 'web' }));
      const byNs = watchWith(store, { namespace: 'team-a' });
      const byLabel = watchWith(store, { kind: 'Service', labelSelector: 'app=web' });
      const liveOnly = watchWith(store, { kind: 'Service', initial: false });
      const cms = watchWith(store, { kind: 'ConfigMap' });
      await Promise.all([byNs.synced, byLabel.synced, liveOnly.synced, cms.synced]);
      await store.create(service('new', 'default', { app: 'web' }));
      await store.create(service('other', 'team-a', { app: 'db' }));
      await store.create(configMap('config-domain', {}, 'team-a'));
      await store.create(configMap('config-defaults', {}));
      await byNs.until((evs) => evs.length >= 3);
      await byLabel.until((evs) => evs.length >= 2);
      await liveOnly.until((evs) => evs.length >= 2);
      await cms.until((evs) => evs.length >= 2);
      expect(byNs.brief()).toEqual([
        'ADDED Service/team-a/old',
        'ADDED Service/team-a/other',
        'ADDED ConfigMap/team-a/config-domain',
      ]);
      expect(byLabel.brief()).toEqual(['ADDED Service/team-a/old', 'ADDED Service/default/new']);
      expect(liveOnly.brief()).toEqual(['ADDED Service/default/new', 'ADDED Service/team-a/other']);
      expect(cms.brief()).toEqual([
        'ADDED ConfigMap/team-a/config-domain',
        'ADDED ConfigMap/knative-serving/config-defaults',
      ]);
      for (const w of [byNs, byLabel, liveOnly, cms]) w.stop();
    });

    it('resumes a watch from a resourceVersion: what changed since (deletions too), then live changes', async () => {
      const kept = await store.create(service('kept'));
      await store.create(service('doomed', 'default', { app: 'web' }));
      await store.create(service('untouched'));
      const { resourceVersion: since } = await store.list('Service');
      const updated = await store.update({ ...kept, metadata: { ...kept.metadata, labels: { v: '2' } } });
      await store.delete('Service', 'default', 'doomed');
      await store.create(service('born'));
      await store.create(configMap('config-gc', {}));
      const w = watchWith(store, { kind: 'Service', since });
      await w.until((evs) => evs.length >= 3);
      expect(w.brief()).toEqual([
        'MODIFIED Service/default/kept',
        'DELETED Service/default/doomed',
        'MODIFIED Service/default/born',
      ]);
      expect(w.events[0]!.object).toEqual(updated);
      expect(Number(w.events[1]!.object.metadata.resourceVersion)).toBeGreaterThan(
        Number(updated.metadata.resourceVersion),
      );
      await w.synced;
      await store.delete('Service', 'default', 'born');
      await w.until((evs) => evs.length >= 4);
      expect(w.brief()[3]).toBe('DELETED Service/default/born');
      w.stop();
    });

    it('stops delivering after the watch is stopped', async () => {
      const stopped = watchWith(store, { kind: 'Service' });
      const running = watchWith(store, { kind: 'Service' });
      await Promise.all([stopped.synced, running.synced]);
      stopped.stop();
      await store.create(service('later'));
      await running.until((evs) => evs.length >= 1);
      expect(stopped.events).toEqual([]);
      running.stop();
    });

    it('stores blobs by sha256 digest', async () => {
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
      const expected = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      const digest = await store.blobs.put(bytes);
      expect(digest).toBe(expected);
      expect(await store.blobs.put(bytes)).toBe(expected);
      expect(await store.blobs.has(digest)).toBe(true);
      expect(Buffer.from((await store.blobs.get(digest))!).equals(Buffer.from(bytes))).toBe(true);
      const absent = `sha256:${'0'.repeat(64)}`;
      expect(await store.blobs.has(absent)).toBe(false);
      expect(await store.blobs.get(absent)).toBeUndefined();
      await expect(store.blobs.get('sha256:nothex')).rejects.toThrow(/digest/);
    });

    it('keeps objects and blobs across a reopen', async () => {
      const created = await store.create(service('durable'));
      const digest = await store.blobs.put(new TextEncoder().encode('(component)'));
      await store.close();
      store = await backing.open();
      expect(await store.get('Service', 'default', 'durable')).toEqual(created);
      expect(new TextDecoder().decode((await store.blobs.get(digest))!)).toBe('(component)');
      const next = await store.create(service('next'));
      expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    });
  });
}
