// Control-plane throughput: N Services created through the REST app until all are Ready (in-process,
// SQLite in a temp dir, MemoryBus). Needs the built dist: `npx tsc -p packages/core && npx tsc -p packages/api`,
// then `node packages/api/bench/reconcile.mjs 300`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBus, SqliteStore, silentLogger, systemClock } from '@kedge/core';
import { createApi } from '../dist/index.js';
const N = Number(process.argv[2] ?? 300);
const store = new SqliteStore(mkdtempSync(join(tmpdir(), 'scale-')));
const api = createApi({ store, bus: new MemoryBus(), clock: systemClock, logger: silentLogger });
await api.start();
const up = await (
  await api.fetch(
    new Request('http://x/apis/kedge.dev/v1/blobs', {
      method: 'PUT',
      body: new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]),
    }),
  )
).json();
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const r = await api.fetch(
    new Request('http://x/apis/serving.knative.dev/v1/namespaces/bench/services', {
      method: 'POST',
      body: JSON.stringify({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name: `s${i}` },
        spec: { template: { spec: { containers: [{ image: `h.wasm@${up.digest}` }] } } },
      }),
    }),
  );
  if (r.status !== 201) throw new Error(await r.text());
}
const t1 = performance.now();
await api.idle();
const t2 = performance.now();
const { items } = await store.list('Service', { namespace: 'bench' });
const ready = items.filter((s) => s.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True').length;
const t3 = performance.now();
await api.fetch(new Request('http://x/apis/serving.knative.dev/v1/namespaces/bench/services/s0', { method: 'DELETE' }));
const t4 = performance.now();
const lst = performance.now();
await api.fetch(new Request('http://x/apis/serving.knative.dev/v1/namespaces/bench/services'));
const lst2 = performance.now();
console.log(
  JSON.stringify({
    N,
    createMsPerService: +((t1 - t0) / N).toFixed(2),
    reconcileAllMs: Math.round(t2 - t1),
    msPerServiceToReady: +((t2 - t0) / N).toFixed(2),
    ready,
    deleteOneMs: Math.round(t4 - t3),
    listAllMs: Math.round(lst2 - lst),
  }),
);
await api.stop();
await store.close();
