import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startNatsServer, type NatsServer } from '@kedge/core/testing';
import { killAllRoles, startRole, type RoleProcess } from '../cluster.js';
import { kedge, readToken, tempDir, waitForObject, writeFile, type ApiCredentials } from '../harness.js';
import { HELLO_WASM, serviceYaml } from './guests.js';
import { judge, steadyLoad, type Outcome } from './load.js';
import { heldText, msText, record } from './record.js';

// kill -9 of each role, and of nats-server, under a bounded load in the distributed shape (every role
// its own process on one nats-server, as test/distributed.test.ts starts them). Each fault: 3 s of load,
// kill -9, 1 s down (nats-server: 4 s), the same process started again with the same arguments, 8 s more.
const NS = 'chaos';
const HOST = `steady.${NS}.example.com`;
const SERVICES = `/apis/serving.knative.dev/v1/namespaces/${NS}/services`;
const isReady = (s: any) => s.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
const BEFORE_MS = 3_000;
const DOWN_MS = 1_000;
const AFTER_MS = 8_000;
/** The outage: gateways died 2–4 s into a 2–5 s NATS restart. */
const NATS_DOWN_MS = 4_000;
/** Full service again within this long of the fault's end, or the case fails. */
const RECOVERY_GOAL_MS = 5_000;

describe('chaos (full): kill -9 and restart of each role and of nats-server, under load', () => {
  const tmp = tempDir('kedge-chaos-cluster-');
  let nats: NatsServer;
  const current = new Map<string, RoleProcess>();
  const argsOf = new Map<string, [string, string[]]>();
  let apiUrl: string;
  let creds: ApiCredentials;
  let gatewayUrls: string[];
  // Every role shares the cluster's token: the api role creates the file, the others read it.
  const tokenFile = join(tmp.dir, 'token');

  const start = async (id: string, role: string, args: string[]) => {
    argsOf.set(id, [role, args]);
    current.set(id, await startRole(role, ['--nats', nats.url, '--token-file', tokenFile, ...args]));
  };
  const restart = async (id: string) => {
    const [role, args] = argsOf.get(id)!;
    current.set(id, await startRole(role, ['--nats', nats.url, '--token-file', tokenFile, ...args]));
  };
  const services = async () => {
    const r = await kedge(['get', 'ksvc', '-n', NS, '-o', 'json'], creds);
    return r.code === 0
      ? (JSON.parse(r.stdout).items as { metadata: { name: string } }[]).map((s) => s.metadata.name).sort()
      : [`kedge get failed: ${r.stderr}`];
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    const d = (n: string) => ['--data-dir', join(tmp.dir, n)];
    const [api, runA, runB, gw1, gw2, adm1, adm2] = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => freePort()));
    apiUrl = `http://127.0.0.1:${api}`;
    gatewayUrls = [`http://127.0.0.1:${gw1}`, `http://127.0.0.1:${gw2}`];
    await start('api-1', 'api', ['--id', 'api-1', '--api-port', String(api), ...d('api')]);
    creds = { api: apiUrl, token: readToken(tokenFile) };
    await Promise.all([
      start('node-a', 'runner', ['--node-id', 'node-a', '--runner-port', String(runA), ...d('node-a')]),
      start('node-b', 'runner', ['--node-id', 'node-b', '--runner-port', String(runB), ...d('node-b')]),
      start('as-1', 'autoscaler', ['--id', 'as-1', ...d('as-1')]),
      start('gw-1', 'gateway', [
        '--id',
        'gw-1',
        '--http-port',
        String(gw1),
        '--admin-port',
        String(adm1),
        ...d('gw-1'),
      ]),
      start('gw-2', 'gateway', [
        '--id',
        'gw-2',
        '--http-port',
        String(gw2),
        '--admin-port',
        String(adm2),
        ...d('gw-2'),
      ]),
    ]);
    const manifest = writeFile(
      tmp.dir,
      'steady.yaml',
      serviceYaml('steady', NS, HELLO_WASM, { annotations: { 'autoscaling.knative.dev/min-scale': '2' } }),
    );
    const r = await kedge(['apply', '-f', manifest], creds);
    expect(r.stderr).toBe('');
    await waitForObject(apiUrl, SERVICES, 'steady', isReady);
  }, 90_000);

  afterAll(async () => {
    await killAllRoles();
    await nats?.stop();
    tmp.cleanup();
  });

  /** Load through both gateways, the fault in the middle; returns the outcomes and the fault's times. */
  async function faultUnderLoad(fault: () => Promise<void>, heal: () => Promise<void>, downMs = DOWN_MS) {
    const loads = gatewayUrls.map((url) =>
      steadyLoad({ url: `${url}/`, host: HOST, connections: 3, timeoutMs: 5_000 }),
    );
    await new Promise((r) => setTimeout(r, BEFORE_MS));
    const faultAt = loads[0]!.now();
    await fault();
    await new Promise((r) => setTimeout(r, downMs));
    await heal();
    const healedAt = loads[0]!.now();
    await new Promise((r) => setTimeout(r, AFTER_MS));
    const endAt = loads[0]!.now();
    // Both loads started within a millisecond of each other: one time axis is close enough.
    const outcomes: Outcome[] = (await Promise.all(loads.map((l) => l.stop()))).flat();
    return { outcomes, faultAt, healedAt, endAt };
  }

  const roleCase = (id: string, what: string) =>
    it(`kill -9 ${what} (${id}) under load, then start it again`, async () => {
      const before = await services();
      const { outcomes, faultAt, healedAt, endAt } = await faultUnderLoad(
        () =>
          current
            .get(id)!
            .stop('SIGKILL')
            .then(() => undefined),
        () => restart(id),
      );
      const j = judge(outcomes, faultAt, endAt, { window: BEFORE_MS, recoverFrom: healedAt });
      const after = await services();
      const others = [...current.entries()]
        .filter(([k, p]) => k !== id && (p.child.exitCode !== null || p.child.signalCode !== null))
        .map(([k]) => k);
      const recovered = j.recoveryMs !== undefined && j.recoveryMs <= RECOVERY_GOAL_MS;
      const pass = recovered && others.length === 0 && JSON.stringify(after) === JSON.stringify(before);
      record({
        case: `kill -9 ${what}, restarted after ${DOWN_MS / 1000} s; 6 connections through 2 gateways`,
        faults: 1,
        survived: pass ? 1 : 0,
        load: heldText(j.rpsBefore, j.rpsAfter),
        lost: `${j.lost} / ${j.inFlight} (+${j.failedAfter} failed after)`,
        recovery: j.failed === 0 ? 'no failure' : `${msText(j.recoveryMs)} after restart`,
        pass,
        note: [
          others.length ? `also gone: ${others.join(', ')}` : '',
          JSON.stringify(after) === JSON.stringify(before) ? '' : `services before ${before} after ${after}`,
        ]
          .filter(Boolean)
          .join('; '),
      });
      expect(others).toEqual([]);
      expect(after).toEqual(before);
      expect(j.recoveryMs, msText(j.recoveryMs)).toBeLessThanOrEqual(RECOVERY_GOAL_MS);
    }, 60_000);

  roleCase('api-1', 'the API');
  roleCase('as-1', 'the autoscaler');
  roleCase('node-a', 'a runner');
  roleCase('gw-1', 'a gateway');

  it('kill -9 nats-server under load, then start it again: gateways live, full service within 5 s, nothing lost', async () => {
    const before = await services();
    const { outcomes, faultAt, healedAt, endAt } = await faultUnderLoad(
      () => nats.kill(),
      () => nats.start(),
      NATS_DOWN_MS,
    );
    const j = judge(outcomes, faultAt, endAt, { window: BEFORE_MS, recoverFrom: healedAt });
    const gone = [...current.entries()]
      .filter(([, p]) => p.child.exitCode !== null || p.child.signalCode !== null)
      .map(([k]) => k);
    const after = await services();
    const recovered = j.recoveryMs !== undefined && j.recoveryMs <= RECOVERY_GOAL_MS;
    const pass = recovered && gone.length === 0 && JSON.stringify(after) === JSON.stringify(before);
    const failedDuring = outcomes.filter((o) => !o.ok && o.end >= faultAt && o.end <= healedAt).length;
    record({
      case: `kill -9 nats-server, started again after ${NATS_DOWN_MS / 1000} s; 6 connections through 2 gateways`,
      faults: 1,
      survived: pass ? 1 : 0,
      load: heldText(j.rpsBefore, j.rpsAfter),
      lost: `${j.lost} / ${j.inFlight} (${failedDuring} failed during the outage, ${j.failedAfter} in all)`,
      recovery: j.failed === 0 ? 'no failure' : `${msText(j.recoveryMs)} after NATS returned`,
      pass,
      note: [
        gone.length ? `processes gone: ${gone.join(', ')}` : '',
        JSON.stringify(after) === JSON.stringify(before) ? '' : `services before ${before} after ${after}`,
      ]
        .filter(Boolean)
        .join('; '),
    });
    expect(gone).toEqual([]);
    expect(after).toEqual(before);
    expect(j.recoveryMs, msText(j.recoveryMs)).toBeLessThanOrEqual(RECOVERY_GOAL_MS);
  }, 60_000);
});
