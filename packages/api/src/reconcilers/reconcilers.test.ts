import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryBus,
  SqliteStore,
  silentLogger,
  subjects,
  type Configuration,
  type PodAutoscaler,
  type Revision,
  type RevisionHealth,
  type Route,
  type Service,
} from '@kedge/core';
import { COMPONENT, T0, callFetch } from '../../test-support/harness.js';
import { createApi, type Api } from '../index.js';

const NS = 'example';
const BASE = `/apis/serving.knative.dev/v1/namespaces/${NS}`;

let dir: string;
let store: SqliteStore;
let bus: MemoryBus;
let clock: ManualClock;
let api: Api;
let image: string;

const call = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
  callFetch(api.fetch, method, path, body, { 'content-type': contentType });

function service(name: string, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: NS, ...meta },
    spec: { template: { spec: { containers: [{ image, env: [{ name: 'TARGET', value: 'World' }] }] } }, ...spec },
  };
}

async function apply(obj: any) {
  const res = await call('POST', `${BASE}/services`, obj);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await api.idle();
  return res.body;
}

/** Sets data in an installed knative-serving ConfigMap (they exist from the start), as kubectl edit does. */
async function configure(cm: { metadata: { name: string }; data: Record<string, string>; [field: string]: unknown }) {
  return call(
    'PATCH',
    `/api/v1/namespaces/knative-serving/configmaps/${cm.metadata.name}`,
    { data: cm.data },
    'application/merge-patch+json',
  );
}

const get = <T>(kind: 'Service' | 'Configuration' | 'Revision' | 'Route' | 'PodAutoscaler', name: string) =>
  store.get(kind, NS, name) as Promise<T | undefined>;
const cond = (o: any, type: string) => o?.status?.conditions?.find((c: any) => c.type === type);

/** What a runner says once it has loaded a revision's image (Ready waits for it); off for some tests. */
let runnerLoads = true;
let unwatchRunner: (() => void) | undefined;

async function open(): Promise<void> {
  store = new SqliteStore(dir, { clock });
  bus = new MemoryBus({ clock });
  api = createApi({ store, bus, clock, logger: silentLogger });
  unwatchRunner = store.watch({ kind: 'Revision' }, (ev) => {
    if (ev.type !== 'ADDED' || !runnerLoads) return;
    const { namespace, name } = ev.object.metadata;
    const msg: RevisionHealth = { namespace, revision: name, nodeId: 'n1', ready: true, time: clock.now() };
    bus.publish(subjects.revisionHealth(namespace, name), msg);
  });
  await api.start();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kedge-rec-'));
  clock = new ManualClock(T0);
  await open();
  const up = await call('PUT', '/apis/kedge.dev/v1/blobs', COMPONENT, 'application/wasm');
  image = `hello.wasm@${up.body.digest}`;
});

afterEach(async () => {
  unwatchRunner?.();
  runnerLoads = true;
  await api.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Service → Configuration + Route → Revision → PodAutoscaler', () => {
  it('brings a helloworld Service to Ready with URL and traffic', async () => {
    await apply(service('hello'));
    const svc = (await get<Service>('Service', 'hello'))!;
    const cfg = (await get<Configuration>('Configuration', 'hello'))!;
    const route = (await get<Route>('Route', 'hello'))!;
    const rev = (await get<Revision>('Revision', 'hello-00001'))!;
    const pa = (await get<PodAutoscaler>('PodAutoscaler', 'hello-00001'))!;

    for (const child of [cfg, route]) {
      expect(child.metadata.labels?.['serving.knative.dev/service']).toBe('hello');
      expect(child.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'Service', name: 'hello', uid: svc.metadata.uid, controller: true }),
      ]);
    }
    expect(rev.metadata.labels).toMatchObject({
      'serving.knative.dev/configuration': 'hello',
      'serving.knative.dev/configurationGeneration': '1',
      'serving.knative.dev/service': 'hello',
      'serving.knative.dev/routingState': 'active',
    });
    expect(rev.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Configuration', uid: cfg.metadata.uid });
    expect(rev.spec.containers[0]!.image).toBe(image);
    expect(pa.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Revision',
      name: 'hello-00001',
      uid: rev.metadata.uid,
    });
    expect(pa.spec).toMatchObject({
      scaleTargetRef: { kind: 'Revision', name: 'hello-00001' },
      containerConcurrency: 0,
      reachability: 'Reachable',
    });

    expect(cond(rev, 'Ready')).toMatchObject({ status: 'True' });
    expect(cond(rev, 'ContainerHealthy')).toMatchObject({ status: 'True' });
    expect(rev.status?.containerStatuses?.[0]?.imageDigest).toBe(image.split('@')[1]);
    expect(cfg.status).toMatchObject({
      latestCreatedRevisionName: 'hello-00001',
      latestReadyRevisionName: 'hello-00001',
      observedGeneration: 1,
    });
    expect(route.status).toMatchObject({
      url: 'http://hello.example.example.com',
      address: { url: 'http://hello.example.svc.cluster.local' },
      traffic: [{ revisionName: 'hello-00001', latestRevision: true, percent: 100 }],
    });
    expect(route.spec.traffic).toEqual([{ percent: 100, latestRevision: true, configurationName: 'hello' }]);
    for (const t of ['AllTrafficAssigned', 'IngressReady', 'Ready']) expect(cond(route, t)?.status).toBe('True');
    expect(svc.status).toMatchObject({
      url: 'http://hello.example.example.com',
      latestCreatedRevisionName: 'hello-00001',
      latestReadyRevisionName: 'hello-00001',
      observedGeneration: 1,
      traffic: [{ revisionName: 'hello-00001', latestRevision: true, percent: 100 }],
    });
    for (const t of ['ConfigurationsReady', 'RoutesReady', 'Ready']) expect(cond(svc, t)?.status).toBe('True');
  });

  it('stamps a new revision per template change and moves latest traffic to it', async () => {
    const created = await apply(service('hello'));
    const svc = (await get<Service>('Service', 'hello'))!;
    (svc.spec.template.spec.containers[0]!.env as any)[0].value = 'Kedge';
    expect((await call('PUT', `${BASE}/services/hello`, svc)).status).toBe(200);
    await api.idle();
    const route = (await get<Route>('Route', 'hello'))!;
    expect(route.status?.traffic).toEqual([{ revisionName: 'hello-00002', latestRevision: true, percent: 100 }]);
    expect(
      (await get<Revision>('Revision', 'hello-00002'))!.metadata.labels?.[
        'serving.knative.dev/configurationGeneration'
      ],
    ).toBe('2');
    const old = (await get<Revision>('Revision', 'hello-00001'))!;
    expect(old.metadata.labels?.['serving.knative.dev/routingState']).toBe('reserve');
    expect((await get<PodAutoscaler>('PodAutoscaler', 'hello-00001'))!.spec.reachability).toBe('Unreachable');
    expect((await get<Service>('Service', 'hello'))!.status?.latestReadyRevisionName).toBe('hello-00002');
    expect(created.metadata.generation).toBe(1);

    // Metadata-only changes make no revision (TestUpdateConfigurationMetadata).
    await call(
      'PATCH',
      `${BASE}/services/hello`,
      { metadata: { labels: { team: 'a' } } },
      'application/merge-patch+json',
    );
    await api.idle();
    expect((await store.list('Revision', { namespace: NS })).items).toHaveLength(2);
    expect((await get<Configuration>('Configuration', 'hello'))!.metadata.labels?.team).toBe('a');
  });

  it('splits traffic between BYO-named revisions and gives each tag its URL', async () => {
    await apply(service('split', {}, {}));
    const v1 = (await get<Service>('Service', 'split'))!;
    v1.spec.template.metadata = { name: 'split-blue' };
    (v1.spec.template.spec.containers[0]!.env as any)[0].value = 'blue';
    await call('PUT', `${BASE}/services/split`, v1);
    await api.idle();
    const v2 = (await get<Service>('Service', 'split'))!;
    v2.spec.template.metadata = { name: 'split-green' };
    (v2.spec.template.spec.containers[0]!.env as any)[0].value = 'green';
    v2.spec.traffic = [
      { revisionName: 'split-blue', percent: 50, tag: 'blue' },
      { revisionName: 'split-green', percent: 50 },
      { latestRevision: true, percent: 0, tag: 'latest' },
    ];
    expect((await call('PUT', `${BASE}/services/split`, v2)).status).toBe(200);
    await api.idle();
    const svc = (await get<Service>('Service', 'split'))!;
    expect(svc.status?.traffic).toEqual([
      {
        tag: 'blue',
        revisionName: 'split-blue',
        latestRevision: false,
        percent: 50,
        url: 'http://blue-split.example.example.com',
      },
      { revisionName: 'split-green', latestRevision: false, percent: 50 },
      {
        tag: 'latest',
        revisionName: 'split-green',
        latestRevision: true,
        percent: 0,
        url: 'http://latest-split.example.example.com',
      },
    ]);
    expect(cond(svc, 'Ready')?.status).toBe('True');
    expect((await get<Revision>('Revision', 'split-blue'))!.metadata.labels?.['serving.knative.dev/routingState']).toBe(
      'active',
    );
  });

  it('merges traffic entries for the same revision', async () => {
    await apply(
      service('m', {
        traffic: [
          { latestRevision: true, percent: 60 },
          { latestRevision: true, percent: 40 },
        ],
      }),
    );
    expect((await get<Route>('Route', 'm'))!.status?.traffic).toEqual([
      { revisionName: 'm-00001', latestRevision: true, percent: 100 },
    ]);
  });
});

describe('more Knative behaviours', () => {
  it('a Service created with generateName names its children after the generated name', async () => {
    const res = await call('POST', `${BASE}/services`, {
      ...service('x'),
      metadata: { generateName: 'gen-', namespace: NS },
    });
    expect(res.status).toBe(201);
    await api.idle();
    const name = res.body.metadata.name as string;
    expect(cond(await get('Service', name), 'Ready')?.status).toBe('True');
    expect(await get('Route', name)).toBeDefined();
    expect(await get('Revision', `${name}-00001`)).toBeDefined();
  });

  it('a deleted latest revision is stamped out again; a deleted pinned one leaves the route RevisionMissing', async () => {
    await apply(service('p'));
    const svc = (await get<Service>('Service', 'p'))!;
    (svc.spec.template.spec.containers[0]!.env as any)[0].value = 'two';
    svc.spec.traffic = [{ revisionName: 'p-00001', percent: 100 }];
    await call('PUT', `${BASE}/services/p`, svc);
    await api.idle();
    await call('DELETE', `${BASE}/revisions/p-00002`);
    await api.idle();
    expect(await get('Revision', 'p-00002')).toBeDefined();
    await call('DELETE', `${BASE}/revisions/p-00001`);
    await api.idle();
    const route = (await get<Route>('Route', 'p'))!;
    expect(cond(route, 'AllTrafficAssigned')).toMatchObject({
      status: 'False',
      reason: 'RevisionMissing',
      message: 'Revision "p-00001" referenced in traffic not found.',
    });
    expect(route.status?.traffic).toEqual([{ revisionName: 'p-00001', latestRevision: false, percent: 100 }]);
    expect(cond(await get('Service', 'p'), 'RoutesReady')).toMatchObject({
      status: 'False',
      reason: 'RevisionMissing',
    });
  });

  it('deleting a revision that still has a share of traffic: the rest keeps serving, the Route says RevisionMissing', async () => {
    await apply(service('d'));
    const svc = (await get<Service>('Service', 'd'))!;
    (svc.spec.template.spec.containers[0]!.env as any)[0].value = 'two';
    svc.spec.traffic = [
      { revisionName: 'd-00001', percent: 50, tag: 'old' },
      { latestRevision: true, percent: 50 },
    ];
    expect((await call('PUT', `${BASE}/services/d`, svc)).status).toBe(200);
    await api.idle();
    expect((await get<Route>('Route', 'd'))!.status?.traffic?.map((t) => [t.revisionName, t.percent])).toEqual([
      ['d-00001', 50],
      ['d-00002', 50],
    ]);
    await call('DELETE', `${BASE}/revisions/d-00001`);
    await api.idle();
    const route = (await get<Route>('Route', 'd'))!;
    expect(cond(route, 'AllTrafficAssigned')).toMatchObject({
      status: 'False',
      reason: 'RevisionMissing',
      message: 'Revision "d-00001" referenced in traffic not found.',
    });
    expect(cond(route, 'Ready')?.status).toBe('False');
    // Gateways program themselves from status.traffic: no request goes to the deleted revision.
    expect(route.status?.traffic).toEqual([{ revisionName: 'd-00002', latestRevision: true, percent: 100 }]);
    expect(cond(await get('Service', 'd'), 'Ready')).toMatchObject({ status: 'False', reason: 'RevisionMissing' });
    // Fixing the spec clears it.
    const fixed = (await get<Service>('Service', 'd'))!;
    fixed.spec.traffic = [{ latestRevision: true, percent: 100 }];
    expect((await call('PUT', `${BASE}/services/d`, fixed)).status).toBe(200);
    await api.idle();
    expect(cond(await get('Route', 'd'), 'Ready')?.status).toBe('True');
  });

  it('a process revision stops being Ready when the operator turns process revisions off', async () => {
    const features = (value: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-features', namespace: 'knative-serving' },
      data: { 'kedge.process-revisions': value },
    });
    expect((await configure(features('enabled'))).status).toBe(200);
    await api.idle();
    await apply({
      ...service('proc'),
      spec: { template: { spec: { containers: [{ image: 'node:20', command: ['node', 'server.mjs'] }] } } },
    });
    expect(cond(await get('Revision', 'proc-00001'), 'Ready')?.status).toBe('True');
    expect(
      (
        await call('PUT', '/api/v1/namespaces/knative-serving/configmaps/config-features', {
          ...features('disabled'),
          metadata: {
            ...features('x').metadata,
            resourceVersion: (await store.get('ConfigMap', 'knative-serving', 'config-features'))!.metadata
              .resourceVersion,
          },
        })
      ).status,
    ).toBe(200);
    await api.idle();
    const rev = await get<Revision>('Revision', 'proc-00001');
    expect(cond(rev, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainerMissing' });
    expect(cond(rev, 'Ready')?.message).toContain('kedge.process-revisions: enabled');
  });

  it("a PodAutoscaler carries its class: the revision's annotation, else config-autoscaler's, followed", async () => {
    const CLASS = 'autoscaling.knative.dev/class';
    const HPA = 'hpa.autoscaling.knative.dev';
    const classOf = async (name: string) =>
      (await get<PodAutoscaler>('PodAutoscaler', name))!.metadata.annotations?.[CLASS];
    await apply(service('plain'));
    const annotated = service('pinned');
    (annotated.spec.template as any).metadata = {
      annotations: { [CLASS]: HPA, 'autoscaling.knative.dev/metric': 'cpu' },
    };
    await apply(annotated);
    expect(await classOf('plain-00001')).toBe('kpa.autoscaling.knative.dev');
    expect(await classOf('pinned-00001')).toBe(HPA);
    // What `kubectl get kpa` shows is the class the autoscaler runs it with: it follows the config.
    expect(
      (await configure({ metadata: { name: 'config-autoscaler' }, data: { 'pod-autoscaler-class': HPA } })).status,
    ).toBe(200);
    await api.idle();
    expect(await classOf('plain-00001')).toBe(HPA);
    expect(await classOf('pinned-00001')).toBe(HPA);
  });

  it('a BYO revision name owned by another Configuration fails the Configuration', async () => {
    await apply(service('own'));
    const other = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'own-x' },
      spec: { template: { metadata: { name: 'own-x-00001' }, spec: { containers: [{ image }] } } },
    };
    // Same name as the Service's first revision would be if it were BYO: take it from another configuration.
    expect((await call('POST', `${BASE}/configurations`, other)).status).toBe(201);
    await api.idle();
    const svc = (await get<Service>('Service', 'own'))!;
    svc.spec.template.metadata = { name: 'own-x-00001' };
    (svc.spec.template.spec.containers[0]!.env as any)[0].value = 'b';
    const res = await call('PUT', `${BASE}/services/own`, svc);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await api.idle();
    const cfg = await get<Configuration>('Configuration', 'own');
    expect(cond(cfg, 'Ready')).toMatchObject({ status: 'False', reason: 'RevisionFailed' });
    expect(cond(cfg, 'Ready')?.message).toContain('already exists');
  });
});

describe('failures a user can act on', () => {
  it('an image Kedge cannot fetch → Revision ContainerMissing, Configuration RevisionFailed, Route RevisionMissing', async () => {
    // A component whose blob was never uploaded (a container image is the runners' to judge).
    const missing = `hello.wasm@sha256:${'f'.repeat(64)}`;
    await apply({ ...service('bad'), spec: { template: { spec: { containers: [{ image: missing }] } } } });
    const rev = (await get<Revision>('Revision', 'bad-00001'))!;
    expect(cond(rev, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainerMissing' });
    expect(cond(rev, 'ContainerHealthy')?.message).toContain(`Unable to fetch image "${missing}": no blob`);
    const cfg = (await get<Configuration>('Configuration', 'bad'))!;
    expect(cond(cfg, 'Ready')).toMatchObject({ status: 'False', reason: 'RevisionFailed' });
    expect(cond(cfg, 'Ready')?.message).toMatch(/^Revision "bad-00001" failed with message: Unable to fetch image/);
    const route = (await get<Route>('Route', 'bad'))!;
    expect(cond(route, 'AllTrafficAssigned')).toMatchObject({
      status: 'False',
      reason: 'RevisionMissing',
      message: 'Configuration "bad" does not have any ready Revision.',
    });
    expect(route.status?.traffic).toBeUndefined();
    const svc = (await get<Service>('Service', 'bad'))!;
    expect(cond(svc, 'Ready')).toMatchObject({ status: 'False', reason: 'RevisionFailed' });
    expect(cond(svc, 'ConfigurationsReady')?.status).toBe('False');
  });

  it('a missing blob is reported with what to do', async () => {
    await apply({
      ...service('gone'),
      spec: { template: { spec: { containers: [{ image: `x.wasm@sha256:${'0'.repeat(64)}` }] } } },
    });
    const rev = (await get<Revision>('Revision', 'gone-00001'))!;
    expect(cond(rev, 'ContainerHealthy')?.message).toContain('kedge apply');
  });

  it('a revision is not Ready before a runner has loaded its image', async () => {
    runnerLoads = false;
    await apply(service('wait'));
    let rev = (await get<Revision>('Revision', 'wait-00001'))!;
    expect(cond(rev, 'ContainerHealthy')).toMatchObject({ status: 'Unknown', reason: 'Deploying' });
    expect(cond(rev, 'Ready')?.status).toBe('Unknown');
    expect(cond(await get('Service', 'wait'), 'Ready')?.status).toBe('Unknown');
    const msg: RevisionHealth = { namespace: NS, revision: 'wait-00001', nodeId: 'n1', ready: true, time: clock.now() };
    bus.publish(subjects.revisionHealth(NS, 'wait-00001'), msg);
    await api.idle();
    rev = (await get<Revision>('Revision', 'wait-00001'))!;
    expect(cond(rev, 'Ready')?.status).toBe('True');
    expect(cond(await get('Service', 'wait'), 'Ready')?.status).toBe('True');
  });

  it("mirrors runners' RevisionHealth: a component that fails to load, then loads", async () => {
    await apply(service('h'));
    const report = (ready: boolean, extra: Partial<RevisionHealth> = {}) => {
      const msg: RevisionHealth = {
        namespace: NS,
        revision: 'h-00001',
        nodeId: 'n1',
        ready,
        time: clock.now(),
        ...extra,
      };
      bus.publish(subjects.revisionHealth(NS, 'h-00001'), msg);
    };
    report(false, {
      reason: 'ComponentInvalid',
      message: 'spec.containers[0].image: does not export wasi:http/incoming-handler',
    });
    await api.idle();
    let rev = (await get<Revision>('Revision', 'h-00001'))!;
    expect(cond(rev, 'Ready')).toMatchObject({ status: 'False', reason: 'ComponentInvalid' });
    expect(cond(rev, 'ContainerHealthy')?.message).toBe(
      'Container failed with: spec.containers[0].image: does not export wasi:http/incoming-handler',
    );
    expect(cond(await get('Service', 'h'), 'Ready')?.status).toBe('False');
    clock.advance(1000);
    report(true);
    await api.idle();
    rev = (await get<Revision>('Revision', 'h-00001'))!;
    expect(cond(rev, 'Ready')?.status).toBe('True');
    expect(cond(await get('Service', 'h'), 'Ready')?.status).toBe('True');
  });

  it('a container revision is healthy where some runner can run it: per-node reports, not the last one', async () => {
    await apply({
      ...service('ctr'),
      spec: { template: { spec: { containers: [{ image: 'localhost/helloworld-go' }] } } },
    });
    const report = (nodeId: string, ready: boolean, extra: Partial<RevisionHealth> = {}) => {
      const msg: RevisionHealth = { namespace: NS, revision: 'ctr-00001', nodeId, ready, time: clock.now(), ...extra };
      bus.publish(subjects.revisionHealth(NS, 'ctr-00001'), msg);
    };
    const missing = {
      reason: 'ContainerEngineMissing',
      message: 'spec.containers[0].image: runner n1 has no container engine',
    };
    report('n1', false, missing);
    await api.idle();
    expect(cond(await get('Revision', 'ctr-00001'), 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainerEngineMissing',
    });
    clock.advance(1000);
    report('n2', true);
    await api.idle();
    expect(cond(await get('Revision', 'ctr-00001'), 'Ready')?.status).toBe('True');
    // The engine-less node saying it again does not undo what the node with an engine said.
    clock.advance(1000);
    report('n1', false, missing);
    await api.idle();
    expect(cond(await get('Revision', 'ctr-00001'), 'Ready')?.status).toBe('True');
  });

  it('a route to a missing revision says so', async () => {
    const route = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'r' },
      spec: { traffic: [{ revisionName: 'nope-00001', percent: 100 }] },
    };
    expect((await call('POST', `${BASE}/routes`, route)).status).toBe(201);
    await api.idle();
    const r = (await get<Route>('Route', 'r'))!;
    expect(cond(r, 'AllTrafficAssigned')).toMatchObject({
      status: 'False',
      reason: 'RevisionMissing',
      message: 'Revision "nope-00001" referenced in traffic not found.',
    });
    const missingCfg = {
      ...route,
      metadata: { name: 'r2' },
      spec: { traffic: [{ configurationName: 'nope', percent: 100 }] },
    };
    await call('POST', `${BASE}/routes`, missingCfg);
    await api.idle();
    expect(cond(await get('Route', 'r2'), 'AllTrafficAssigned')).toMatchObject({ reason: 'ConfigurationMissing' });
  });

  it('a deleted Route releases its revisions (routingState reserve)', async () => {
    const cfg = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'solo' },
      spec: { template: { spec: { containers: [{ image }] } } },
    };
    expect((await call('POST', `${BASE}/configurations`, cfg)).status).toBe(201);
    const rt = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'solo' },
      spec: { traffic: [{ configurationName: 'solo', percent: 100 }] },
    };
    expect((await call('POST', `${BASE}/routes`, rt)).status).toBe(201);
    await api.idle();
    expect((await get<Route>('Route', 'solo'))!.status?.url).toBe('http://solo.example.example.com');
    expect((await get<Revision>('Revision', 'solo-00001'))!.metadata.labels?.['serving.knative.dev/routingState']).toBe(
      'active',
    );
    await call('DELETE', `${BASE}/routes/solo`);
    await api.idle();
    expect((await get<Revision>('Revision', 'solo-00001'))!.metadata.labels?.['serving.knative.dev/routingState']).toBe(
      'reserve',
    );
    expect((await get<PodAutoscaler>('PodAutoscaler', 'solo-00001'))!.spec.reachability).toBe('Unreachable');
  });

  it('a same-named Configuration the Service does not own → NotOwned', async () => {
    await call('POST', `${BASE}/configurations`, {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'taken' },
      spec: { template: { spec: { containers: [{ image }] } } },
    });
    await apply(service('taken'));
    expect(cond(await get('Service', 'taken'), 'ConfigurationsReady')).toMatchObject({
      status: 'False',
      reason: 'NotOwned',
    });
  });
});

describe('PodAutoscaler status → Revision', () => {
  it('mirrors desiredScale/actualScale and Active', async () => {
    await apply(service('s'));
    let rev = (await get<Revision>('Revision', 's-00001'))!;
    expect(cond(rev, 'Active')).toMatchObject({ status: 'Unknown' });
    const pa = (await get<PodAutoscaler>('PodAutoscaler', 's-00001'))!;
    await store.update({ ...pa, status: { desiredScale: 2, actualScale: 1 } });
    await api.idle();
    rev = (await get<Revision>('Revision', 's-00001'))!;
    expect(rev.status).toMatchObject({ desiredReplicas: 2, actualReplicas: 1 });
    expect(cond(rev, 'Active')?.status).toBe('True');
    const pa2 = (await get<PodAutoscaler>('PodAutoscaler', 's-00001'))!;
    await store.update({ ...pa2, status: { desiredScale: 0, actualScale: 0 } });
    await api.idle();
    rev = (await get<Revision>('Revision', 's-00001'))!;
    expect(cond(rev, 'Active')).toMatchObject({ status: 'False', reason: 'NoTraffic', severity: 'Info' });
    expect(cond(rev, 'Ready')?.status).toBe('True');
  });

  it('treats desiredScale -1 (no decision yet) as unknown', async () => {
    await apply(service('u'));
    const pa = (await get<PodAutoscaler>('PodAutoscaler', 'u-00001'))!;
    await store.update({ ...pa, status: { desiredScale: -1, actualScale: 1 } });
    await api.idle();
    expect((await get<Revision>('Revision', 'u-00001'))!.status).toMatchObject({
      desiredReplicas: 1,
      actualReplicas: 1,
    });
    const pa2 = (await get<PodAutoscaler>('PodAutoscaler', 'u-00001'))!;
    await store.update({ ...pa2, status: { desiredScale: 3, actualScale: 1 } });
    await api.idle();
    const pa3 = (await get<PodAutoscaler>('PodAutoscaler', 'u-00001'))!;
    await store.update({ ...pa3, status: { desiredScale: -1, actualScale: 2 } });
    await api.idle();
    expect((await get<Revision>('Revision', 'u-00001'))!.status).toMatchObject({
      desiredReplicas: 3,
      actualReplicas: 2,
    });
  });
});

describe('config-domain', () => {
  it('picks the domain by label selector, follows ConfigMap changes, and honours cluster-local', async () => {
    await apply(service('web'));
    await apply(service('shop', {}, { labels: { app: 'shop' } }));
    await apply(service('internal', {}, { labels: { 'networking.knative.dev/visibility': 'cluster-local' } }));
    expect((await get<Route>('Route', 'internal'))!.status?.url).toBe('http://internal.example.svc.cluster.local');
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-domain', namespace: 'knative-serving' },
      data: { 'kedge.dev': '', 'shop.dev': 'selector:\n  app: shop\n' },
    };
    expect((await configure(cm)).status).toBe(200);
    await api.idle();
    expect((await get<Service>('Service', 'web'))!.status?.url).toBe('http://web.example.kedge.dev');
    expect((await get<Service>('Service', 'shop'))!.status?.url).toBe('http://shop.example.shop.dev');
  });
});

describe('restart and idempotence', () => {
  it('resumes from the Store after a restart and writes nothing when nothing changed', async () => {
    await api.stop();
    // Written while no reconciler runs (as if the process died right after the API stored it).
    await store.create(service('later') as any);
    await store.close();
    await open();
    await api.idle();
    const svc = (await get<Service>('Service', 'later'))!;
    expect(cond(svc, 'Ready')?.status).toBe('True');
    const rv = (await store.list('Service')).resourceVersion;
    await api.stop();
    await store.close();
    await open();
    await api.idle();
    expect((await store.list('Service')).resourceVersion).toBe(rv);
  });

  it('collects a child whose owner is gone', async () => {
    await store.create({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: {
        name: 'orphan',
        namespace: NS,
        ownerReferences: [
          {
            apiVersion: 'serving.knative.dev/v1',
            kind: 'Service',
            name: 'orphan',
            uid: 'no-such-uid',
            controller: true,
          },
        ],
      },
      spec: { template: { spec: { containers: [{ image }] } } },
    } as any);
    await api.idle();
    expect(await get('Configuration', 'orphan')).toBeUndefined();
    expect(await get('Revision', 'orphan-00001')).toBeUndefined();
  });

  it('deleting a Service removes everything it owns', async () => {
    await apply(service('del'));
    expect((await call('DELETE', `${BASE}/services/del`)).status).toBe(200);
    await api.idle();
    for (const [k, n] of [
      ['Configuration', 'del'],
      ['Route', 'del'],
      ['Revision', 'del-00001'],
      ['PodAutoscaler', 'del-00001'],
    ] as const)
      expect(await get(k, n), `${k} ${n}`).toBeUndefined();
  });
});

describe('revision GC (config-gc)', () => {
  async function newRevision(name: string, value: string) {
    const svc = (await get<Service>('Service', name))!;
    (svc.spec.template.spec.containers[0]!.env as any)[0].value = value;
    expect((await call('PUT', `${BASE}/services/${name}`, svc)).status).toBe(200);
    await api.idle();
  }

  it('keeps routed and latest revisions, collects the stale rest once old enough', async () => {
    await configure({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-gc' },
      data: {
        'min-non-active-revisions': '1',
        'retain-since-create-time': '2h',
        'retain-since-last-active-time': '1h',
      },
    });
    // Pin traffic to revision 1 so it stays routed while 2..4 are created.
    await apply(service('g', { traffic: [{ revisionName: 'g-00001', percent: 100 }] }));
    for (const v of ['b', 'c', 'd']) {
      clock.advance(60_000);
      await newRevision('g', v);
    }
    const names = async () =>
      (await store.list('Revision', { namespace: NS })).items.map((r) => r.metadata.name).sort();
    expect(await names()).toEqual(['g-00001', 'g-00002', 'g-00003', 'g-00004']);
    clock.advance(90 * 60_000);
    await api.idle();
    expect(await names()).toHaveLength(4); // younger than retain-since-create-time
    clock.advance(60 * 60_000);
    await api.idle();
    // g-00001 routed, g-00004 latest, g-00003 the one most recently active kept by min-non-active-revisions.
    expect(await names()).toEqual(['g-00001', 'g-00003', 'g-00004']);
    expect(await get('PodAutoscaler', 'g-00002')).toBeUndefined();
  });

  it('max-non-active-revisions deletes the least recently active at once', async () => {
    await configure({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-gc' },
      data: {
        'min-non-active-revisions': '0',
        'max-non-active-revisions': '1',
        'retain-since-create-time': 'disabled',
        'retain-since-last-active-time': 'disabled',
      },
    });
    await apply(service('x'));
    // Opted out of GC (serving.knative.dev/no-gc) before it has competition.
    const first = (await get<Revision>('Revision', 'x-00001'))!;
    await store.update({
      ...first,
      metadata: {
        ...first.metadata,
        annotations: { ...first.metadata.annotations, 'serving.knative.dev/no-gc': 'true' },
      },
    });
    for (const v of ['b', 'c', 'd']) {
      clock.advance(1000);
      await newRevision('x', v);
    }
    expect((await store.list('Revision', { namespace: NS })).items.map((r) => r.metadata.name).sort()).toEqual([
      'x-00001',
      'x-00003',
      'x-00004',
    ]);
  });
});
