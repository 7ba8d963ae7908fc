// One autoscaler tick over 1 000 revisions (goal < 20 ms): decider + PA scaler + placement + decision
// for every revision, on the built dist. Run: npm run bench -w @kedge/autoscaler
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, MemoryBus, SqliteStore, silentLogger, subjects } from '@kedge/core';
import { createAutoscaler } from '@kedge/autoscaler';

const REVISIONS = Number(process.env.REVISIONS ?? 1000);
const RUNS = Number(process.env.RUNS ?? 30);
const NS = 'bench';

const dir = mkdtempSync(join(tmpdir(), 'kedge-as-bench-'));
const clock = new ManualClock(1_000_000_000);
const bus = new MemoryBus({ clock });
const store = new SqliteStore(dir, { clock });
const settle = async () => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

// One runner node big enough for everything, answering on the real bus protocol.
const instances = new Map(); // instanceId → revision
const byRev = new Map(); // revision → Set<instanceId>
const endpoints = (rev) => {
  const eps = [...(byRev.get(rev) ?? [])].map((instanceId) => ({
    namespace: NS,
    revision: rev,
    instanceId,
    nodeId: 'node-1',
    url: 'http://127.0.0.1:1',
    concurrency: 0,
  }));
  bus.publish(subjects.endpoints(NS, rev), {
    namespace: NS,
    revision: rev,
    nodeId: 'node-1',
    endpoints: eps,
    time: clock.now(),
  });
};
bus.subscribe(subjects.runnerStart('node-1'), (m) => {
  const { instanceId, revision } = m.data;
  instances.set(instanceId, revision);
  if (!byRev.has(revision)) byRev.set(revision, new Set());
  byRev.get(revision).add(instanceId);
  endpoints(revision);
  m.respond({ ok: true, instanceId });
});
bus.subscribe(subjects.runnerStop('node-1'), (m) => {
  const { instanceId, revision } = m.data;
  instances.delete(instanceId);
  byRev.get(revision)?.delete(instanceId);
  endpoints(revision);
  m.respond({ ok: true });
});
const heartbeat = () => {
  const map = {};
  for (const [rev, ids] of byRev) if (ids.size) map[`${NS}/${rev}`] = [...ids];
  bus.publish(subjects.nodeHeartbeat, {
    nodeId: 'node-1',
    url: 'http://127.0.0.1:1',
    capacity: 100_000,
    instances: map,
    time: clock.now(),
    startedAt: 1,
    version: 'bench',
  });
};

const names = Array.from({ length: REVISIONS }, (_, i) => `svc${i}-00001`);
for (const [i, name] of names.entries()) {
  await store.create({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: { name, namespace: NS, annotations: i % 10 === 0 ? { 'autoscaling.knative.dev/min-scale': '1' } : {} },
    spec: { containers: [{ image: 'x.wasm@sha256:00' }], containerConcurrency: i % 3 === 0 ? 10 : 0 },
  });
}
const as = createAutoscaler({ store, bus, clock, logger: silentLogger, id: 'bench' });
await as.start();
heartbeat();
await settle();
await as.idle();

// A mix of load: a third idle, the rest with per-revision totals between 10 and 120 in flight.
const second = () => {
  for (const [i, name] of names.entries()) {
    const load = i % 3 === 0 ? 0 : 10 + (i % 12) * 10;
    const mine = byRev.get(name) ?? new Set();
    for (const id of mine)
      bus.publish(subjects.metrics(NS, name), {
        namespace: NS,
        revision: name,
        source: id,
        averageConcurrency: load / mine.size,
        requestCount: load / mine.size,
        time: clock.now(),
      });
  }
  heartbeat();
};
// Fill the 60 s stable window first.
for (let s = 0; s < 60; s++) {
  clock.advance(1000);
  second();
  await settle();
  await as.idle();
}

const times = [];
for (let r = 0; r < RUNS; r++) {
  clock.advance(1000);
  second();
  await settle();
  await as.idle();
  const t0 = performance.now();
  as.tick();
  times.push(performance.now() - t0);
  await settle();
  await as.idle();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const live = instances.size;
console.log(
  `autoscaler tick over ${REVISIONS} revisions (${live} instances): median ${median.toFixed(2)} ms, p90 ${times[Math.floor(times.length * 0.9)].toFixed(2)} ms, min ${times[0].toFixed(2)} ms (${RUNS} runs)`,
);
await as.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
