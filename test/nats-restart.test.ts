import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoleCluster, type RoleProcess } from './cluster.js';
import { HELLO_WASM, isReady, kedge, request, serviceYaml, servingPath, waitForObject } from './harness.js';

const SERVICES = servingPath('nr', 'services');
const SKS = '/apis/networking.internal.knative.dev/v1alpha1/namespaces/nr/serverlessservices';
/**
 * How long nats-server stays away: longer than the Store's 2 s timeout (the case that killed
 * gateways) and the gateways' 2 s node silence; the SIGKILL round also outlasts the autoscaler's
 * 5 s node and peer timeouts.
 */
const OUTAGE_MS = { SIGKILL: 6_000, SIGTERM: 4_000 } as const;
/** Full service is due this long after nats-server is back. */
const RECOVERY_MS = 5_000;

const service = (name: string) =>
  serviceYaml(name, 'nr', HELLO_WASM, { annotations: { 'autoscaling.knative.dev/min-scale': '1' } });

const host = (name: string) => `${name}.nr.example.com`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Result {
  t: number;
  ok: boolean;
}

describe('nats-server restarts under load (distributed roles)', () => {
  const cluster = new RoleCluster('kedge-nats-restart-');
  const { role, applyYaml, dataDir: d, roles } = cluster;
  let gateways: RoleProcess[] = [];
  let apiUrl: string;
  const services = async () => {
    const r = await kedge(['get', 'ksvc', '-n', 'nr', '-o', 'json'], cluster.creds);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout).items as any[]).map((s) => `${s.metadata.name}@${s.metadata.uid}`).sort();
  };

  beforeAll(async () => {
    await cluster.start([HELLO_WASM]);
    apiUrl = cluster.apiUrl;
    await Promise.all([
      role('runner', ['--node-id', 'node-a', '--runner-port', '0', ...d('node-a')]),
      role('autoscaler', ['--id', 'as-1', ...d('as-1')]),
    ]);
    gateways = await Promise.all(
      ['gw-1', 'gw-2'].map((id) => role('gateway', ['--id', id, '--http-port', '0', '--admin-port', '0', ...d(id)])),
    );
    await applyYaml('one', service('one'));
    await waitForObject(apiUrl, SERVICES, 'one', isReady);
  }, 60_000);

  afterAll(() => cluster.stop());

  /** Two clients per gateway, each one request at a time: a bounded load. */
  function load(name: string) {
    const results: Result[] = [];
    let stop = false;
    const client = async (gw: string) => {
      while (!stop) {
        const res = await request(gw, host(name)).catch(() => ({ status: 0, body: '' }));
        results.push({ t: Date.now(), ok: res.status === 200 && res.body.includes(`Hello ${name}!`) });
        await delay(20);
      }
    };
    const clients = gateways.flatMap((g) => [client(g.urls.gateway!), client(g.urls.gateway!)]);
    return {
      results,
      async end() {
        stop = true;
        await Promise.all(clients);
      },
    };
  }

  /** Instance ids of a revision, from `kedge get nodes`. */
  const instancesOf = async (revKey: string) => {
    const r = await kedge(['get', 'nodes', '-o', 'json'], cluster.creds);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout).items as { instances: Record<string, string[]> }[])
      .flatMap((n) => n.instances[revKey] ?? [])
      .sort();
  };
  /** What a gateway routes to for a revision, from its admin /debug/gateway. */
  const endpointsAt = async (gw: RoleProcess, revKey: string) => {
    const view = (await (await fetch(`${gw.urls.admin}/debug/gateway`)).json()) as {
      revisions: { key: string; endpoints: number }[];
    };
    return view.revisions.find((r) => r.key === revKey)?.endpoints ?? 0;
  };

  async function outage(kind: 'SIGKILL' | 'SIGTERM', deployAfter: string) {
    const before = await services();
    const placed = await instancesOf('nr/one-00001');
    expect(placed.length).toBeGreaterThan(0);
    const l = load('one');
    while (l.results.length < 20) await delay(20);
    const downAt = Date.now();
    if (kind === 'SIGKILL') await cluster.nats.kill();
    else await cluster.nats.stop({ keepStore: true });
    // The fault itself lasts a fixed time: this wait is the outage, not a synchronisation.
    await delay(OUTAGE_MS[kind]);
    // Still routing straight to the instance they knew, not holding requests for an endpoint.
    for (const gw of gateways) expect(await endpointsAt(gw, 'nr/one-00001')).toBeGreaterThan(0);
    await cluster.nats.start();
    const backAt = Date.now();
    // A new deploy goes through once NATS is back: store writes and watches work again.
    await applyYaml(deployAfter, service(deployAfter));
    await waitForObject(apiUrl, SERVICES, deployAfter, isReady);
    const readyAfterMs = Date.now() - backAt;
    // The gateways' ServerlessService status writer works again: the new revision's ready endpoints are written.
    await waitForObject(apiUrl, SKS, `${deployAfter}-00001`, (o: any) => o.status?.readyEndpoints >= 1);
    // Keep the load on past the recovery deadline.
    while (Date.now() < backAt + RECOVERY_MS + 2_000) await delay(50);
    await l.end();

    const during = l.results.filter((r) => r.t >= downAt && r.t <= backAt);
    const failedDuring = during.filter((r) => !r.ok).length;
    const late = l.results.filter((r) => r.t > backAt + RECOVERY_MS);
    process.stdout.write(
      `nats ${kind}: ${l.results.length} requests, ${during.length} during the ${OUTAGE_MS[kind]} ms outage (${failedDuring} failed), ` +
        `${l.results.filter((r) => !r.ok).length} failed in all; new service Ready ${readyAfterMs} ms after NATS returned\n`,
    );
    // Gateways alive, and nothing the processes said was an unhandled failure.
    for (const r of roles) {
      expect(r.child.exitCode, `${r.role} ${r.id} exited:\n${r.output()}`).toBeNull();
      expect(r.output()).not.toMatch(/unhandled/i);
    }
    // Failures only while NATS was away (or in flight at its return), none once recovered.
    expect(late.length).toBeGreaterThan(20);
    expect(late.every((r) => r.ok)).toBe(true);
    expect(l.results.filter((r) => !r.ok && (r.t < downAt || r.t > backAt + RECOVERY_MS))).toEqual([]);
    // Both gateways route the service deployed after the outage.
    for (const gw of gateways) {
      const res = await request(gw.urls.gateway!, host(deployAfter));
      expect(res.status).toBe(200);
      expect(res.body).toContain(`Hello ${deployAfter}!`);
    }
    // Nobody took the silence for a dead runner: the instances it had are still there (the load may
    // have added one, the autoscaler's own call).
    expect(await instancesOf('nr/one-00001')).toEqual(expect.arrayContaining(placed));
    // Nothing stored was lost.
    const after = await services();
    expect(after.filter((s) => !s.startsWith(`${deployAfter}@`))).toEqual(before);
    // Every role heartbeats again: `kedge get components` shows all of them Running.
    const items = JSON.parse((await kedge(['get', 'components', '-o', 'json'], cluster.creds)).stdout).items as {
      id: string;
      status: string;
    }[];
    expect(items.map((c) => `${c.id} ${c.status}`).sort()).toEqual(
      ['api-1', 'as-1', 'gw-1', 'gw-2', 'node-a'].map((id) => `${id} Running`).sort(),
    );
  }

  it('survives nats-server killed (SIGKILL) for 6 s under load, full service within 5 s of its return', async () => {
    await outage('SIGKILL', 'after-kill');
  }, 60_000);

  it('survives nats-server stopped (SIGTERM) for 4 s under load, full service within 5 s of its return', async () => {
    await outage('SIGTERM', 'after-term');
  }, 60_000);
});
