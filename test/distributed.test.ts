import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subjects, type ComponentHeartbeat, type NatsBus, type NodeHeartbeat } from '@kedge/core';
// The runner's WAT test guests (built with jco's JS API, about a second each).
import { buildOutboundGuest, buildTestGuest } from '../packages/runner/src/testing/components.js';
import { RoleCluster, type RoleProcess } from './cluster.js';
import {
  HELLO_WASM,
  ROOT,
  SHORT_WINDOWS_CONFIG,
  isReady,
  kedge,
  request,
  requestWith,
  serviceYaml,
  servingPath,
  waitForObject,
  writeFile,
} from './harness.js';

const SERVICES = servingPath('dist', 'services');
const REVISIONS = servingPath('dist', 'revisions');

const service = (name: string, annotations: Record<string, string>, labels: Record<string, string> = {}) =>
  serviceYaml(name, 'dist', HELLO_WASM, { annotations, labels });

/** The first object a watch of `path` (a collection, with its selectors) shows. */
async function firstObject(apiUrl: string, path: string): Promise<any> {
  const ac = new AbortController();
  try {
    const res = await fetch(`${apiUrl}${path}${path.includes('?') ? '&' : '?'}watch=true`, { signal: ac.signal });
    const dec = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += dec.decode(chunk, { stream: true });
      const nl = buf.indexOf('\n');
      if (nl >= 0) return (JSON.parse(buf.slice(0, nl)) as { object: unknown }).object;
    }
    throw new Error(`watch ${path} ended`);
  } finally {
    ac.abort();
  }
}

const host = (name: string) => `${name}.dist.example.com`;

/** Resolves once a message on `subject` satisfies `pred` (the bus is the event source, not a timer). */
function until<T>(bus: NatsBus, subject: string, pred: (m: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const sub = bus.subscribe<T>(subject, (m) => {
      if (!pred(m.data)) return;
      sub.unsubscribe();
      resolve(m.data);
    });
  });
}

/** Instances of a revision per node, as the runners announce them in their heartbeats. */
async function placement(
  bus: NatsBus,
  revKey: string,
  nodes: string[],
  pred: (byNode: Record<string, number>) => boolean,
) {
  const byNode: Record<string, number> = {};
  await until<NodeHeartbeat>(bus, subjects.nodeHeartbeat, (hb) => {
    if (!nodes.includes(hb.nodeId)) return false;
    byNode[hb.nodeId] = hb.instances[revKey]?.length ?? 0;
    return nodes.every((n) => n in byNode) && pred(byNode);
  });
  return byNode;
}

describe('distributed Kedge: roles as processes on one nats-server', () => {
  const cluster = new RoleCluster('kedge-dist-');
  const { role, apply, dataDir: d, roles } = cluster;
  let bus: NatsBus;
  let gateways: RoleProcess[] = [];
  let apiUrl: string;

  beforeAll(async () => {
    await cluster.start([HELLO_WASM, join(ROOT, 'packages/cli/dist/bin.js')]);
    bus = await cluster.connectBus('distributed-test');
    apiUrl = cluster.apiUrl;
    await apply(writeFile(cluster.dir, 'config.yaml', SHORT_WINDOWS_CONFIG));
    await Promise.all([
      role('runner', ['--node-id', 'node-a', '--runner-port', '0', ...d('node-a')]),
      role('runner', ['--node-id', 'node-b', '--runner-port', '0', ...d('node-b')]),
      role('autoscaler', ['--id', 'as-1', ...d('as-1')]),
      role('autoscaler', ['--id', 'as-2', ...d('as-2')]),
    ]);
    gateways = await Promise.all(
      ['gw-1', 'gw-2'].map((id) => role('gateway', ['--id', id, '--http-port', '0', '--admin-port', '0', ...d(id)])),
    );
  }, 60_000);

  afterAll(() => cluster.stop());

  it('lists every role instance in `kedge get components`', async () => {
    const ids = ['api-1', 'node-a', 'node-b', 'as-1', 'as-2', 'gw-1', 'gw-2'];
    const seen = new Set<string>();
    // Two rounds of heartbeats: by the second, the api has taken in the first.
    await until<ComponentHeartbeat>(bus, subjects.componentHeartbeat, (h) => {
      seen.add(h.id);
      return ids.every((i) => seen.has(i));
    });
    seen.clear();
    await until<ComponentHeartbeat>(bus, subjects.componentHeartbeat, (h) => {
      seen.add(h.id);
      return ids.every((i) => seen.has(i));
    });
    const r = await kedge(['get', 'components', '-o', 'json'], cluster.creds);
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout).items as (ComponentHeartbeat & { status: string })[];
    expect(items.map((c) => `${c.role}/${c.id}/${c.status}`).sort()).toEqual(
      [
        'api/api-1',
        'autoscaler/as-1',
        'autoscaler/as-2',
        'gateway/gw-1',
        'gateway/gw-2',
        'runner/node-a',
        'runner/node-b',
      ]
        .map((x) => `${x}/Running`)
        .sort(),
    );
    const table = await kedge(['get', 'components'], cluster.creds);
    expect(table.stdout.split('\n')[0]).toMatch(/^ROLE\s+ID\s+NODE\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+VERSION$/);
  });

  it('deploys, scales to zero and cold-starts through either gateway; the runner is another process', async () => {
    await apply(writeFile(cluster.dir, 'cold.yaml', service('cold', {})));
    await waitForObject(apiUrl, SERVICES, 'cold', isReady);
    const warm = await request(gateways[0]!.urls.gateway!, host('cold'));
    expect(warm.status).toBe(200);
    // Idle: the autoscaler takes it to zero after the stable window and the grace period.
    await waitForObject(apiUrl, REVISIONS, 'cold-00001', (r: any) => r.status?.actualReplicas === 0);
    const first = await request(gateways[1]!.urls.gateway!, host('cold'));
    expect(first.status).toBe(200);
    expect(first.body).toContain('Hello cold!');
    const second = await request(gateways[0]!.urls.gateway!, host('cold'));
    expect(second.status).toBe(200);
    expect(second.body).toContain('Hello cold!');
  }, 60_000);

  it('serves cluster-local services only to holders of the cluster token; runners answer only the cluster', async () => {
    await apply(
      writeFile(
        cluster.dir,
        'private.yaml',
        service(
          'private',
          { 'autoscaling.knative.dev/min-scale': '1' },
          { 'networking.knative.dev/visibility': 'cluster-local' },
        ),
      ),
    );
    await waitForObject(apiUrl, SERVICES, 'private', isReady);
    const hb = await until<NodeHeartbeat>(
      bus,
      subjects.nodeHeartbeat,
      (h) => (h.instances['dist/private-00001']?.length ?? 0) > 0,
    );
    const instance = hb.instances['dist/private-00001']![0]!;
    const privateHost = 'private.dist.svc.cluster.local';
    for (const gw of gateways) {
      // From outside: the same 404 as a host that does not exist.
      const outside = await request(gw.urls.gateway!, privateHost);
      expect(outside.status).toBe(404);
      expect(JSON.parse(outside.body)).toEqual({ error: 'no route for this host', host: privateHost });
      const wrong = await requestWith(gw.urls.gateway!, {
        host: privateHost,
        'kedge-cluster-token': 'not-the-token-0123456789',
      });
      expect(wrong.status).toBe(404);
      const inside = await requestWith(gw.urls.gateway!, {
        host: privateHost,
        'kedge-cluster-token': cluster.creds.token,
      });
      expect(inside.status).toBe(200);
      expect(inside.body).toContain('Hello private!');
    }
    // The runner's entry, called directly with an instance id `kedge get nodes` shows: refused.
    const direct = await requestWith(hb.url, { host: privateHost, 'kedge-instance': instance });
    expect(direct.status).toBe(401);
    expect(JSON.parse(direct.body)).toMatchObject({ error: 'Unauthorized' });
    const forged = await requestWith(hb.url, {
      host: privateHost,
      'kedge-instance': instance,
      'kedge-cluster-token': 'guessed-token-0123456789',
    });
    expect(forged.status).toBe(403);
  }, 60_000);

  it('lets a guest on a runner process call another service by its cluster-local name through a gateway it learned of', async () => {
    writeFileSync(join(cluster.dir, 'outbound.wasm'), await buildOutboundGuest());
    const manifest = (name: string, upstream: string, cc: number) => `apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: ${name}, namespace: dist }
spec:
  template:
    metadata: { annotations: { kedge.dev/outbound: cluster-local } }
    spec:
      containerConcurrency: ${cc}
      containers: [{ image: outbound.wasm, env: [{ name: UPSTREAM, value: ${upstream} }] }]
`;
    await apply(
      writeFile(
        cluster.dir,
        'callee.yaml',
        service('callee', {}, { 'networking.knative.dev/visibility': 'cluster-local' }),
      ),
    );
    await apply(
      writeFile(
        cluster.dir,
        'caller.yaml',
        `${manifest('caller', 'callee.dist.svc.cluster.local', 10)}---\n${manifest('cycle', 'cycle.dist.svc', 10)}`,
      ),
    );
    for (const name of ['callee', 'caller', 'cycle']) await waitForObject(apiUrl, SERVICES, name, isReady);
    for (const gw of gateways) {
      // The caller's guest (on a runner process, with no gateway in it) reaches the cluster-local callee.
      const called = await request(gw.urls.gateway!, host('caller'));
      expect(`${called.status} ${called.body}`).toBe('200 Hello callee!\n');
      // From outside, without the token, the callee does not exist.
      const outside = await request(gw.urls.gateway!, 'callee.dist.svc.cluster.local');
      expect(outside.status).toBe(404);
    }
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(gateways[i % 2]!.urls.gateway!, host('caller'))),
    );
    expect(many.map((r) => `${r.status} ${r.body}`)).toEqual(Array(20).fill('200 Hello callee!\n'));
    // The hop count crosses gateway and runner processes: a service calling itself ends at the limit
    // (wasi:http error-code 36, loop-detected), and every level answers with it. containerConcurrency
    // 10 on one replica: the 17 nested calls need new replicas mid-cycle, and with two gateways each
    // counting only its own requests, calls refused by the full instance wait in an activator (which
    // pokes the autoscaler) rather than in the instance's queue behind their own callers (error 33,
    // the 30 s per-call timeout, if they did).
    const cycleStart = Date.now();
    const cycle = await request(gateways[0]!.urls.gateway!, host('cycle'));
    expect(`${cycle.status} ${cycle.body}`).toBe('200 error 36\n');
    process.stdout.write(`cycle at containerConcurrency 10 ended at the hop limit in ${Date.now() - cycleStart} ms\n`);
  }, 60_000);

  it('spreads instances over both runners and survives a killed runner', async () => {
    // The earlier services go to zero first (only private's min-scale instance stays): with the two
    // nodes' loads at most one apart, where the two instances go is the autoscaler's spreading, not
    // what the earlier tests happened to leave running (two more on one node put both on the other).
    const others = new Map<string, number>();
    await until<NodeHeartbeat>(bus, subjects.nodeHeartbeat, (hb) => {
      if (hb.nodeId !== 'node-a' && hb.nodeId !== 'node-b') return false;
      const ids = Object.entries(hb.instances)
        .filter(([rev]) => rev !== 'dist/private-00001')
        .flatMap(([, i]) => i);
      others.set(hb.nodeId, ids.length);
      return others.size === 2 && [...others.values()].every((n) => n === 0);
    });
    await apply(writeFile(cluster.dir, 'two.yaml', service('two', { 'autoscaling.knative.dev/min-scale': '2' })));
    await waitForObject(apiUrl, SERVICES, 'two', isReady);
    const spread = await placement(
      bus,
      'dist/two-00001',
      ['node-a', 'node-b'],
      (n) => n['node-a']! >= 1 && n['node-b']! >= 1,
    );
    expect(spread['node-a']! + spread['node-b']!).toBeGreaterThanOrEqual(2);

    // Load from 4 clients through both gateways while node-a dies.
    const victim = roles.find((r) => r.id === 'node-a')!;
    let stop = false;
    const results: { t: number; ok: boolean }[] = [];
    const client = async (gw: string) => {
      while (!stop) {
        const res = await request(gw, host('two')).catch(() => ({ status: 0, body: '' }));
        results.push({ t: Date.now(), ok: res.status === 200 && res.body.includes('Hello two!') });
      }
    };
    const clients = [0, 1, 0, 1].map((i) => client(gateways[i]!.urls.gateway!));
    await until(bus, subjects.nodeHeartbeat, () => results.length >= 20);
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    // The survivors re-place node-a's instance on node-b.
    await placement(bus, 'dist/two-00001', ['node-b'], (n) => n['node-b']! >= 2);
    const replacedMs = Date.now() - killedAt;
    const settle = results.length;
    await until(bus, subjects.nodeHeartbeat, () => results.length >= settle + 40);
    stop = true;
    await Promise.all(clients);
    const failures = results.filter((r) => !r.ok);
    // Only requests in flight on the dead runner may fail (one per client at most), none after recovery.
    expect(failures.length).toBeLessThanOrEqual(4);
    expect(results.slice(settle).every((r) => r.ok)).toBe(true);
    expect(replacedMs).toBeLessThan(10_000);
    process.stdout.write(
      `runner killed: ${failures.length} failed of ${results.length}; re-placed in ${replacedMs} ms\n`,
    );
  }, 60_000);

  it('keeps scaling with one autoscaler killed, and shows it Lost', async () => {
    const victim = roles.find((r) => r.id === 'as-1')!;
    await victim.stop('SIGKILL');
    await apply(writeFile(cluster.dir, 'solo.yaml', service('solo', { 'autoscaling.knative.dev/min-scale': '1' })));
    await waitForObject(apiUrl, SERVICES, 'solo', isReady);
    const res = await request(gateways[0]!.urls.gateway!, host('solo'));
    expect(res.status).toBe(200);
    expect(res.body).toContain('Hello solo!');
    // Silent for more than 3 s: four more beats of the survivor.
    let beats = 0;
    await until<ComponentHeartbeat>(bus, subjects.componentHeartbeat, (h) => h.id === 'as-2' && ++beats >= 4);
    const items = JSON.parse((await kedge(['get', 'components', '-o', 'json'], cluster.creds)).stdout).items as {
      id: string;
      status: string;
    }[];
    expect(items.find((c) => c.id === 'as-1')?.status).toBe('Lost');
    expect(items.find((c) => c.id === 'as-2')?.status).toBe('Running');
  }, 60_000);

  it('keeps answering while nats-server restarts, and deploys after it', async () => {
    await cluster.nats.kill();
    // Gateways route from the tables they hold and forward to runners over HTTP.
    for (const gw of gateways) {
      const res = await request(gw.urls.gateway!, host('two'));
      expect(res.status).toBe(200);
    }
    await cluster.nats.start();
    await apply(writeFile(cluster.dir, 'after.yaml', service('after', { 'autoscaling.knative.dev/min-scale': '1' })));
    await waitForObject(apiUrl, SERVICES, 'after', isReady);
    for (const gw of gateways) {
      const res = await request(gw.urls.gateway!, host('after'));
      expect(res.status).toBe(200);
      expect(res.body).toContain('Hello after!');
    }
    // Nothing stored was lost.
    const list = JSON.parse((await kedge(['get', 'ksvc', '-n', 'dist', '-o', 'json'], cluster.creds)).stdout);
    expect(list.items.map((s: any) => s.metadata.name).sort()).toEqual(
      ['after', 'callee', 'caller', 'cold', 'private', 'solo', 'two', 'cycle'].sort(),
    );
  }, 60_000);
  it("shows a runner's instances as pods in the API and prints their output (kept on that runner) with kedge logs", async () => {
    writeFileSync(join(cluster.dir, 'guest.wasm'), await buildTestGuest());
    const manifest = service('logger', { 'autoscaling.knative.dev/min-scale': '1' }).replace(
      `image: ${HELLO_WASM}`,
      `image: ${join(cluster.dir, 'guest.wasm')}`,
    );
    await apply(writeFile(cluster.dir, 'logger.yaml', manifest));
    const res = await request(gateways[1]!.urls.gateway!, host('logger'), '/log');
    expect(res.body).toBe('logged\n');
    // The API (its own process) learns of the instance from the runners' reports over NATS.
    const pod = await firstObject(
      apiUrl,
      '/api/v1/namespaces/dist/pods?labelSelector=serving.knative.dev%2Fservice%3Dlogger',
    );
    expect(['node-a', 'node-b']).toContain(pod.spec.nodeName);
    expect(pod.metadata.name).toMatch(/^logger-00001-[0-9a-f]{8}$/);
    const logs = await kedge(['logs', 'logger', '-n', 'dist'], cluster.creds);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain(`[pod/${pod.metadata.name}] to stdout\n`);
    const one = await fetch(`${apiUrl}/api/v1/namespaces/dist/pods/${pod.metadata.name}/log?tailLines=1`);
    expect(one.status).toBe(200);
    expect(await one.text()).toMatch(/\n$/);
  }, 60_000);
});
