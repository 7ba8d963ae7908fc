import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsBus,
  NatsStore,
  connectNats,
  retry,
  silentLogger,
  subjects,
  systemClock,
  type PokeMessage,
  type Route,
} from '@kedge/core';
import { startNatsServer, type NatsServer } from '@kedge/core/testing';
import { createGateway, type Gateway } from '../gateway.js';
import { serveGateway, type Listening } from '../serve.js';
import { gatewayFlags, startDenoGateway, type DenoGatewayProcess } from '../testing/deno-gateway.js';
import { FakeRunner } from '../testing/fake-runner.js';
import { routeObject, serveFakeRunner } from '../testing/harness.js';

const TOKEN = 'deno-gateway-test-token-0123456789';

function get(url: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: u.port, path: '/hi', headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const instanceOf = (r: { body: string }) => (JSON.parse(r.body) as { instanceId: string }).instanceId;

/** Two runner nodes (fake instances, real bus protocol, real HTTP entries) and two gateways: Deno on node-a, Node on node-b. */
describe('gateway on Deno, joined to the cluster over NATS', () => {
  let nats: NatsServer;
  let dir: string;
  let store: NatsStore;
  let bus: NatsBus;
  const runners: Record<'node-a' | 'node-b', FakeRunner> = {} as never;
  const entries: Listening[] = [];
  let deno: DenoGatewayProcess;
  let nodeGateway: Gateway;
  let nodeServed: Listening;

  const putRoute = async (route: Route) => {
    const cur = await store.get<Route>('Route', route.metadata.namespace, route.metadata.name);
    if (cur)
      await store.update({ ...route, metadata: { ...route.metadata, resourceVersion: cur.metadata.resourceVersion } });
    else await store.create(route);
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'kedge-deno-'));
    const nc = await connectNats({ servers: nats.url, name: 'deno-test' });
    store = await NatsStore.open(nc, { cacheDir: join(dir, 'cache'), ownsConnection: false });
    bus = new NatsBus(nc, { ownsConnection: true });
    for (const nodeId of ['node-a', 'node-b'] as const) {
      const runner = new FakeRunner({ bus, nodeId });
      entries.push(await serveFakeRunner(runner));
      runner.start();
      runners[nodeId] = runner;
    }
    deno = await startDenoGateway(
      gatewayFlags({ nats: nats.url, id: 'gw-deno', nodeId: 'node-a', dataDir: join(dir, 'gw-deno') }),
      { env: { KEDGE_TOKEN: TOKEN } },
    );
    nodeGateway = createGateway({
      store,
      bus,
      clock: systemClock,
      logger: silentLogger,
      id: 'gw-node',
      nodeId: 'node-b',
      clusterToken: TOKEN,
    });
    await nodeGateway.start();
    nodeServed = await serveGateway(nodeGateway);
  }, 60_000);

  afterAll(async () => {
    await deno?.stop();
    await nodeServed?.close();
    await nodeGateway?.stop();
    for (const r of Object.values(runners)) r.stop();
    for (const e of entries) await e.close();
    await store?.close();
    await bus?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a route created after it started: holds the request, pokes for its own node, forwards once an instance is ready', async () => {
    const poked = new Promise<PokeMessage>((resolve) => {
      const sub = bus.subscribe<PokeMessage>(subjects.pokeAll, (m) => {
        if (m.data.revision !== 'hello-00001') return;
        sub.unsubscribe();
        resolve(m.data);
      });
    });
    await bus.flush();
    await putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    // The route reaches the gateway through the store's watch; until then the host is unknown.
    let pending: Promise<{ status: number; body: string }> | undefined;
    for (let i = 0; i < 200 && !pending; i++) {
      const admin = await fetch(`${deno.urls.admin}/debug/gateway`).then(
        (r) => r.json() as Promise<{ hosts: string[] }>,
      );
      if (admin.hosts.includes('hello.default.example.com'))
        pending = get(deno.urls.gateway, 'hello.default.example.com');
      else await new Promise((r) => setTimeout(r, 25));
    }
    expect(pending, 'the Deno gateway never learned the route').toBeDefined();
    const poke = await poked;
    expect(poke).toMatchObject({ namespace: 'default', revision: 'hello-00001', nodeId: 'node-a' });
    const inst = runners['node-a'].startInstance('default', 'hello-00001');
    const res = await pending!;
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as {
      instanceId: string;
      fromActivator: boolean;
      headers: Record<string, string>;
    };
    expect(seen.instanceId).toBe(inst.instanceId);
    expect(seen.fromActivator).toBe(true);
    expect(seen.headers['kedge-revision']).toBe('default/hello-00001');
    expect(seen.headers['kedge-cluster-token']).toBe(TOKEN);
  });

  it('answers unknown hosts with 404 JSON', async () => {
    const res = await get(deno.urls.gateway, 'nobody.example.com');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ host: 'nobody.example.com' });
  });

  it('local-first: with instances on both nodes each gateway answers from its own node', async () => {
    const ids: Record<string, string> = {};
    for (const node of ['node-a', 'node-b'] as const) {
      for (let k = 0; k < 2; k++) ids[runners[node].startInstance('default', 'hello-00001').instanceId] = node;
    }
    for (const i of runners['node-a'].instances.values()) ids[i.instanceId] = 'node-a';
    // Both gateways know all four instances (or more) before the load starts.
    const known = async (url: string) => {
      for (let i = 0; i < 200; i++) {
        const view = (await fetch(url).then((r) => r.json())) as { revisions: { key: string; endpoints: number }[] };
        if ((view.revisions.find((r) => r.key === 'default/hello-00001')?.endpoints ?? 0) >= 5) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`${url}: endpoints never reached 5`);
    };
    await known(`${deno.urls.admin}/debug/gateway`);
    expect(nodeGateway.inspect().revisions.find((r) => r.key === 'default/hello-00001')?.endpoints).toBe(5);
    for (const [gw, url] of [
      ['node-a', deno.urls.gateway],
      ['node-b', nodeServed.url],
    ] as const) {
      const byNode: Record<string, number> = {};
      // 8 clients × 50 requests: far below what the local instances carry.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 50; i++) {
            const r = await get(url, 'hello.default.example.com');
            expect(r.status).toBe(200);
            const node = ids[instanceOf(r)]!;
            byNode[node] = (byNode[node] ?? 0) + 1;
          }
        }),
      );
      expect((byNode[gw] ?? 0) / 400, `${gw}: ${JSON.stringify(byNode)}`).toBeGreaterThanOrEqual(0.95);
    }
    const metrics = await fetch(`${deno.urls.admin}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/kedge_gateway_forwarded_total\{[^}]*locality="local"[^}]*\} 4\d\d/);
  });

  it('routes a tag and a split', async () => {
    runners['node-a'].startInstance('default', 'hello-00002');
    const route = routeObject('default', 'hello', [
      { revisionName: 'hello-00001', percent: 50 },
      { revisionName: 'hello-00002', percent: 50, tag: 'next' },
    ]);
    await putRoute(route);
    const revs = new Set<string>();
    for (let i = 0; i < 200 && revs.size < 2; i++) {
      const r = await get(deno.urls.gateway, 'hello.default.example.com');
      if (r.status === 200) revs.add((JSON.parse(r.body) as { revision: string }).revision);
    }
    expect([...revs].sort()).toEqual(['hello-00001', 'hello-00002']);
    for (let i = 0; i < 20; i++) {
      const r = await get(deno.urls.gateway, 'next-hello.default.example.com');
      expect(r.status).toBe(200);
      expect((JSON.parse(r.body) as { revision: string }).revision).toBe('hello-00002');
    }
  });

  it('keeps serving from the tables it holds while nats-server is down, and learns new routes after', async () => {
    await nats.kill();
    try {
      // Longer than the 2 s node silence: the gateway must not drop endpoints it cannot hear about.
      for (let i = 0; i < 30; i++) {
        const r = await get(deno.urls.gateway, 'next-hello.default.example.com');
        expect(r.status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nats.start();
    }
    // This test's own connection comes back on its own schedule: its write is retried like any role's.
    await retry(() => putRoute(routeObject('default', 'late', [{ revisionName: 'late-00001', percent: 100 }])), {
      clock: systemClock,
      what: 'Route default/late',
      logger: silentLogger,
      attempts: 50,
    });
    // Announced once this test's connection is back (a message sent into the dead socket is lost).
    runners['node-b'].startInstance('default', 'late-00001');
    let res = { status: 0, body: '' };
    for (let i = 0; i < 400 && res.status !== 200; i++) {
      res = await get(deno.urls.gateway, 'late.default.example.com');
      if (res.status !== 200) await new Promise((r) => setTimeout(r, 25));
    }
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { revision: string }).revision).toBe('late-00001');
  }, 30_000);
});
