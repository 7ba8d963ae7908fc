import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retry, silentLogger, subjects, systemClock, type NatsBus, type NodeHeartbeat } from '@kedge/core';
import {
  EDGE_BUNDLE,
  gatewayFlags,
  startDenoGateway,
  type DenoGatewayProcess,
} from '../packages/gateway/src/testing/deno-gateway.js';
import { RoleCluster, type RoleProcess } from './cluster.js';
import {
  HELLO_WASM,
  ROOT,
  SHORT_WINDOWS_CONFIG,
  isReady,
  request,
  serviceYaml,
  servingPath,
  waitForObject,
} from './harness.js';

const SERVICES = servingPath('edge', 'services');
const host = (name: string) => `${name}.edge.example.com`;

const service = (name: string, target: string, opts: { minScale?: number; traffic?: string } = {}) =>
  serviceYaml(name, 'edge', HELLO_WASM, {
    target,
    annotations: opts.minScale ? { 'autoscaling.knative.dev/min-scale': String(opts.minScale) } : {},
    extra: opts.traffic,
  });

/** `kedge_gateway_forwarded_total` of one revision from a gateway's /metrics, by locality. */
async function forwarded(adminUrl: string, revision: string): Promise<{ local: number; remote: number }> {
  const text = await fetch(`${adminUrl}/metrics`).then((r) => r.text());
  const out = { local: 0, remote: 0 };
  for (const m of text.matchAll(/^kedge_gateway_forwarded_total\{([^}]*)\} (\d+)$/gm)) {
    if (!m[1]!.includes(`revision="${revision}"`)) continue;
    out[/locality="local"/.test(m[1]!) ? 'local' : 'remote'] += Number(m[2]);
  }
  return out;
}

/**
 * Edge nodes: the Deno gateway — the single-module build (`npm run build:edge-bundle`), run by Deno
 * alone from a directory without node_modules — joins a cluster of role processes on a real
 * nats-server beside a Node `kedge gateway`, on two runner nodes.
 */
describe('edge gateways: Deno on NATS, local-first routing', () => {
  const cluster = new RoleCluster('kedge-edge-');
  const { role, applyYaml: apply, dataDir: d, tokenFile } = cluster;
  const dir = (name: string) => join(cluster.dir, name);
  let bus: NatsBus;
  let apiUrl: string;
  let deno: DenoGatewayProcess;
  let nodeGw: RoleProcess;

  beforeAll(async () => {
    // The edge artefact, from this very source (fails loudly without Deno: its npm package is a dev dependency).
    execFileSync(process.execPath, [join(ROOT, 'packages/gateway/scripts/build-edge.mjs'), '--bundle-only'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    await cluster.start([HELLO_WASM]);
    bus = await cluster.connectBus('edge-test');
    apiUrl = cluster.apiUrl;
    await apply('config', SHORT_WINDOWS_CONFIG);
    await Promise.all([
      role('runner', ['--node-id', 'node-a', '--listen', '127.0.0.1:0', ...d('node-a')]),
      role('runner', ['--node-id', 'node-b', '--listen', '127.0.0.1:0', ...d('node-b')]),
      role('autoscaler', ['--id', 'as-1', ...d('as-1')]),
    ]);
    [deno, nodeGw] = await Promise.all([
      startDenoGateway(
        gatewayFlags({ nats: cluster.nats.url, tokenFile, id: 'gw-deno', nodeId: 'node-a', dataDir: dir('gw-deno') }),
        { entry: EDGE_BUNDLE, cwd: cluster.dir },
      ),
      role('gateway', gatewayFlags({ id: 'gw-node', nodeId: 'node-b', dataDir: dir('gw-node') })),
    ]);
  }, 90_000);

  afterAll(async () => {
    await deno?.stop();
    await cluster.stop();
  });

  it("serves a service deployed after it started; with an instance on each node, ≥ 95 % of each gateway's requests stay on its node", async () => {
    // Two instances, one per node (placement spreads a revision over equally free nodes).
    await apply('near', service('near', 'near', { minScale: 2 }));
    await waitForObject(apiUrl, SERVICES, 'near', isReady);
    const byNode: Record<string, number> = {};
    await new Promise<void>((resolve) => {
      const sub = bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => {
        byNode[m.data.nodeId] = m.data.instances['edge/near-00001']?.length ?? 0;
        if (byNode['node-a'] === 1 && byNode['node-b'] === 1) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    for (const [gw, url, admin] of [
      ['deno', deno.urls.gateway, deno.urls.admin],
      ['node', nodeGw.urls.gateway!, nodeGw.urls.admin!],
    ] as const) {
      // The gateway has heard both nodes' endpoints (a heartbeat listing an instance can come first).
      for (let i = 0; ; i++) {
        const view = (await fetch(`${admin}/debug/gateway`).then((r) => r.json())) as {
          revisions: { key: string; endpoints: number; localEndpoints: number }[];
        };
        const near = view.revisions.find((r) => r.key === 'edge/near-00001');
        if (near?.endpoints === 2 && near.localEndpoints === 1) break;
        expect(i, `${gw} gateway never saw both endpoints: ${JSON.stringify(near)}`).toBeLessThan(400);
        await new Promise((r) => setTimeout(r, 25));
      }
      const before = await forwarded(admin, 'near-00001');
      // 8 clients × 50 requests: what one hello instance carries easily.
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 50; i++) {
            const r = await request(url, host('near'));
            expect(r.status).toBe(200);
            expect(r.body).toContain('Hello near!');
          }
        }),
      );
      const after = await forwarded(admin, 'near-00001');
      const local = after.local - before.local;
      const remote = after.remote - before.remote;
      expect(local + remote, gw).toBeGreaterThanOrEqual(400);
      expect(local / (local + remote), `${gw} gateway: ${local} local, ${remote} remote`).toBeGreaterThanOrEqual(0.95);
    }
  }, 90_000);

  it('routes a tag and a split through the Deno gateway', async () => {
    await apply('split', service('split', 'one'));
    await waitForObject(apiUrl, SERVICES, 'split', isReady);
    const traffic = `  traffic:
    - revisionName: split-00001
      percent: 50
    - latestRevision: true
      percent: 50
      tag: next
`;
    await apply('split', service('split', 'two', { traffic }));
    await waitForObject(apiUrl, SERVICES, 'split', (s: any) => isReady(s) && s.status?.traffic?.length === 2);
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) {
      const r = await request(deno.urls.gateway, host('split'));
      expect(r.status).toBe(200);
      seen.add(r.body.includes('Hello two!') ? 'two' : r.body.includes('Hello one!') ? 'one' : r.body);
    }
    expect([...seen].sort()).toEqual(['one', 'two']);
    for (let i = 0; i < 10; i++) {
      const r = await request(deno.urls.gateway, `next-split.edge.example.com`);
      expect(r.status).toBe(200);
      expect(r.body).toContain('Hello two!');
    }
  }, 120_000);

  it('keeps serving while nats-server is down, then serves a service applied after the restart', async () => {
    await cluster.nats.kill();
    try {
      // Past the 2 s node silence: the tables the gateway holds are still good, runners still answer.
      for (let i = 0; i < 20; i++) {
        const r = await request(deno.urls.gateway, host('near'));
        expect(r.status).toBe(200);
        await new Promise((r) => setTimeout(r, 150));
      }
    } finally {
      await cluster.nats.start();
    }
    // The api role reconnects on its own schedule: the apply is retried like any client's.
    await retry(() => apply('after', service('after', 'after')), {
      clock: systemClock,
      what: 'apply after',
      logger: silentLogger,
      attempts: 30,
    });
    await waitForObject(apiUrl, SERVICES, 'after', isReady);
    const r = await request(deno.urls.gateway, host('after'));
    expect(r.status).toBe(200);
    expect(r.body).toContain('Hello after!');
  }, 120_000);
});
