import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { AnyResource } from '../resources/types.js';
import { SqliteStore } from './sqlite.js';
import { storeContract } from './store.contract.js';

storeContract('SqliteStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-sqlite-'));
  return {
    open: async () => new SqliteStore(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

it('answers a watch from before its oldest kept deletion with Expired, and keeps the newer ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-sqlite-'));
  const store = new SqliteStore(dir, { tombstones: 2 });
  try {
    const svc = (name: string) =>
      ({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name, namespace: 'default' },
        spec: {},
      }) as unknown as AnyResource;
    for (const n of ['a', 'b', 'c']) await store.create(svc(n));
    const before = (await store.list('Service')).resourceVersion;
    await store.delete('Service', 'default', 'a');
    const afterFirst = (await store.list('Service')).resourceVersion;
    await store.delete('Service', 'default', 'b');
    await store.delete('Service', 'default', 'c');
    const expired: string[] = [];
    const events: string[] = [];
    const stopOld = store.watch({ kind: 'Service', since: before, onExpired: (m) => expired.push(m) }, (ev) =>
      events.push(ev.type),
    );
    expect(expired).toEqual([`too old resource version: ${before} (${afterFirst})`]);
    expect(events).toEqual([]);
    stopOld();
    const stop = store.watch({ kind: 'Service', since: afterFirst, onExpired: (m) => expired.push(m) }, (ev) =>
      events.push(`${ev.type} ${ev.object.metadata.name}`),
    );
    expect(events).toEqual(['DELETED b', 'DELETED c']);
    expect(expired).toHaveLength(1);
    stop();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
