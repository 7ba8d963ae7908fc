import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore, silentLogger, type AnyResource } from '@kedge/core';
import { callFetch, restAppPerTest } from '../../test-support/harness.js';
import { LiveConfig } from '../config/live.js';
import { createRestApp } from './app.js';

const BASE = '/apis/serving.knative.dev/v1/namespaces/example';

function service(name = 'hello', extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: 'example' },
    spec: {
      template: {
        spec: {
          containers: [{ image: `hello.wasm@sha256:${'a'.repeat(64)}`, env: [{ name: 'TARGET', value: 'World' }] }],
        },
      },
    },
    ...extra,
  };
}

const rest = restAppPerTest('kedge-api-');

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  callFetch(rest.app.fetch, method, path, body, headers);

function expectStatus(body: any, code: number, reason: string) {
  expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  expect(typeof body.message).toBe('string');
}

describe('CRUD', () => {
  it('creates, gets and lists a Service', async () => {
    const created = await call('POST', `${BASE}/services`, service());
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'hello', namespace: 'example', generation: 1 });
    expect(created.body.metadata.uid).toBeTruthy();
    expect(created.body.metadata.resourceVersion).toBeTruthy();

    const got = await call('GET', `${BASE}/services/hello`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ apiVersion: 'serving.knative.dev/v1', kind: 'Service' });

    const list = await call('GET', `${BASE}/services`);
    expect(list.body).toMatchObject({ apiVersion: 'serving.knative.dev/v1', kind: 'ServiceList' });
    expect(list.body.metadata.resourceVersion).toBeTruthy();
    expect(list.body.items.map((i: AnyResource) => i.metadata.name)).toEqual(['hello']);

    const all = await call('GET', '/apis/serving.knative.dev/v1/services');
    expect(all.body.items).toHaveLength(1);
  });

  it('accepts YAML bodies', async () => {
    const yaml = `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: yml\nspec:\n  template:\n    spec:\n      containers:\n        - image: x.wasm@sha256:${'b'.repeat(64)}\n`;
    const res = await call('POST', `${BASE}/services`, yaml, { 'content-type': 'application/yaml' });
    expect(res.status).toBe(201);
    expect(res.body.metadata.namespace).toBe('example');
  });

  it('filters lists by label and field selectors', async () => {
    await call('POST', `${BASE}/services`, service('a', {}));
    const b = service('b');
    (b.metadata as any).labels = { team: 'x' };
    await call('POST', `${BASE}/services`, b);
    expect(
      (await call('GET', `${BASE}/services?labelSelector=team%3Dx`)).body.items.map((i: any) => i.metadata.name),
    ).toEqual(['b']);
    expect(
      (await call('GET', `${BASE}/services?labelSelector=!team`)).body.items.map((i: any) => i.metadata.name),
    ).toEqual(['a']);
    expect(
      (await call('GET', `${BASE}/services?fieldSelector=metadata.name%3Da`)).body.items.map(
        (i: any) => i.metadata.name,
      ),
    ).toEqual(['a']);
  });

  it('generates a name from generateName', async () => {
    const s = service();
    s.metadata = { generateName: 'gen-', namespace: 'example' } as any;
    const res = await call('POST', `${BASE}/services`, s);
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('replaces with a matching resourceVersion and 409s on a stale one', async () => {
    const created = (await call('POST', `${BASE}/services`, service())).body;
    const next = structuredClone(created);
    next.spec.template.spec.containers[0].env[0].value = 'Kedge';
    const ok = await call('PUT', `${BASE}/services/hello`, next);
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.generation).toBe(2);
    const stale = await call('PUT', `${BASE}/services/hello`, next);
    expectStatus(stale.body, 409, 'Conflict');
    expect(stale.body.message).toContain('the object has been modified');
    expect((await call('GET', `${BASE}/services/hello`)).body.spec.template.spec.containers[0].env[0].value).toBe(
      'Kedge',
    );
  });

  it('requires resourceVersion on PUT', async () => {
    await call('POST', `${BASE}/services`, service());
    const res = await call('PUT', `${BASE}/services/hello`, service());
    expectStatus(res.body, 422, 'Invalid');
    expect(res.body.details.causes[0].field).toBe('metadata.resourceVersion');
  });

  it('keeps status on writes (status subresource semantics) and writes it through /status', async () => {
    const created = (await call('POST', `${BASE}/services`, { ...service(), status: { url: 'http://evil' } })).body;
    expect(created.status).toBeUndefined();
    const st = await call('PUT', `${BASE}/services/hello/status`, { ...created, status: { observedGeneration: 1 } });
    expect(st.status).toBe(200);
    const patched = await call(
      'PATCH',
      `${BASE}/services/hello`,
      { status: { observedGeneration: 9 }, metadata: { labels: { a: 'b' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.body.status).toEqual({ observedGeneration: 1 });
    expect(patched.body.metadata.labels).toEqual({ a: 'b' });
  });

  it('merge-patches (null deletes, lists replace) and bumps generation only on spec change', async () => {
    const created = (
      await call('POST', `${BASE}/services`, {
        ...service(),
        metadata: { name: 'hello', annotations: { x: '1', y: '2' } },
      })
    ).body;
    const p1 = await call(
      'PATCH',
      `${BASE}/services/hello`,
      { metadata: { annotations: { x: null } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(p1.status).toBe(200);
    expect(p1.body.metadata.annotations).toEqual({ y: '2' });
    expect(p1.body.metadata.generation).toBe(1);
    const p2 = await call(
      'PATCH',
      `${BASE}/services/hello`,
      { spec: { template: { spec: { containers: [{ image: created.spec.template.spec.containers[0].image }] } } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(p2.body.spec.template.spec.containers[0].env).toBeUndefined();
    expect(p2.body.metadata.generation).toBe(2);
  });

  it('applies JSON patches and rejects a patch pinned to a stale resourceVersion', async () => {
    await call('POST', `${BASE}/services`, service());
    const ok = await call(
      'PATCH',
      `${BASE}/services/hello`,
      [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }],
      { 'content-type': 'application/json-patch+json' },
    );
    expect(ok.body.metadata.labels).toEqual({ a: 'b' });
    const stale = await call(
      'PATCH',
      `${BASE}/services/hello`,
      { metadata: { resourceVersion: '1' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expectStatus(stale.body, 409, 'Conflict');
  });

  it('rejects strategic merge patches on Knative kinds with 415, accepts them on ConfigMaps', async () => {
    await call('POST', `${BASE}/services`, service());
    const smp = await call(
      'PATCH',
      `${BASE}/services/hello`,
      { metadata: {} },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    expectStatus(smp.body, 415, 'UnsupportedMediaType');
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-domain' },
      data: { 'example.com': '' },
    };
    expect((await call('POST', '/api/v1/namespaces/knative-serving/configmaps', cm)).status).toBe(201);
    const res = await call(
      'PATCH',
      '/api/v1/namespaces/knative-serving/configmaps/config-domain',
      { data: { 'kedge.dev': '', 'example.com': null }, $patch: 'merge' },
      { 'content-type': 'application/strategic-merge-patch+json' },
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ 'kedge.dev': '' });
  });

  it('dryRun=All defaults and validates without storing', async () => {
    const res = await call('POST', `${BASE}/services?dryRun=All`, service());
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toBe('hello');
    expect((await call('GET', `${BASE}/services/hello`)).status).toBe(404);
    const created = (await call('POST', `${BASE}/services`, service())).body;
    const upd = await call(
      'PATCH',
      `${BASE}/services/hello?dryRun=All`,
      { metadata: { labels: { a: 'b' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(upd.body.metadata.labels).toEqual({ a: 'b' });
    expect((await call('GET', `${BASE}/services/hello`)).body.metadata.resourceVersion).toBe(
      created.metadata.resourceVersion,
    );
    const del = await call('DELETE', `${BASE}/services/hello?dryRun=All`);
    expect(del.status).toBe(200);
    expect((await call('GET', `${BASE}/services/hello`)).status).toBe(200);
    const bad = await call('POST', `${BASE}/services?dryRun=All`, { ...service('x'), kind: 'Route' });
    expect(bad.status).toBe(400);
  });

  it('deletes with ownerReference cascade, and orphans on request', async () => {
    const svc = (await call('POST', `${BASE}/services`, service())).body;
    const owner = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      name: 'hello',
      uid: svc.metadata.uid,
      controller: true,
    };
    await rest.store.create({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'hello', namespace: 'example', ownerReferences: [owner] },
      spec: svc.spec,
    } as any);
    const cfg = (await rest.store.get('Configuration', 'example', 'hello'))!;
    await rest.store.create({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: {
        name: 'hello-00001',
        namespace: 'example',
        ownerReferences: [{ ...owner, kind: 'Configuration', uid: cfg.metadata.uid! }],
      },
      spec: svc.spec.template.spec,
    } as any);
    await rest.store.create({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: { name: 'other', namespace: 'example' },
      spec: {},
    } as any);
    const del = await call('DELETE', `${BASE}/services/hello`, { propagationPolicy: 'Background' });
    expect(del.status).toBe(200);
    expect(del.body.metadata.name).toBe('hello');
    expect(await rest.store.get('Configuration', 'example', 'hello')).toBeUndefined();
    expect(await rest.store.get('Revision', 'example', 'hello-00001')).toBeUndefined();
    expect(await rest.store.get('Route', 'example', 'other')).toBeDefined();

    const svc2 = (await call('POST', `${BASE}/services`, service('keep'))).body;
    await rest.store.create({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Route',
      metadata: {
        name: 'keep',
        namespace: 'example',
        ownerReferences: [{ ...owner, name: 'keep', uid: svc2.metadata.uid }],
      },
      spec: {},
    } as any);
    await call('DELETE', `${BASE}/services/keep?propagationPolicy=Orphan`);
    expect(await rest.store.get('Route', 'example', 'keep')).toBeDefined();
  });

  it('honours delete preconditions', async () => {
    await call('POST', `${BASE}/services`, service());
    const res = await call('DELETE', `${BASE}/services/hello`, { preconditions: { resourceVersion: '999' } });
    expectStatus(res.body, 409, 'Conflict');
    expect((await call('GET', `${BASE}/services/hello`)).status).toBe(200);
  });

  it('serves ConfigMaps and read-only internal kinds', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-gc', namespace: 'knative-serving' },
      data: { 'min-non-active-revisions': '3' },
    };
    expect((await call('POST', '/api/v1/namespaces/knative-serving/configmaps', cm)).status).toBe(201);
    expect((await call('GET', '/api/v1/namespaces/knative-serving/configmaps/config-gc')).body.data).toEqual(cm.data);
    expect((await call('GET', '/api/v1/configmaps')).body.kind).toBe('ConfigMapList');
    expect(
      (await call('GET', '/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/example/podautoscalers')).body
        .kind,
    ).toBe('PodAutoscalerList');
    expect((await call('GET', '/apis/networking.internal.knative.dev/v1alpha1/serverlessservices')).body.kind).toBe(
      'ServerlessServiceList',
    );
    const write = await call(
      'POST',
      '/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/example/podautoscalers',
      { apiVersion: 'autoscaling.internal.knative.dev/v1alpha1', kind: 'PodAutoscaler', metadata: { name: 'x' } },
    );
    expectStatus(write.body, 405, 'MethodNotAllowed');
  });

  it('returns Knative columns as a Table when kubectl asks', async () => {
    await call('POST', `${BASE}/services`, service());
    const res = await call('GET', `${BASE}/services`, undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(res.body.kind).toBe('Table');
    expect(res.body.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'URL',
      'LatestCreated',
      'LatestReady',
      'Ready',
      'Reason',
    ]);
    expect(res.body.rows[0].cells[0]).toBe('hello');
    expect(res.body.rows[0].object.metadata.namespace).toBe('example');
  });
});

describe('bad input → Status, nothing stored', () => {
  const cases: [string, () => Promise<{ status: number; body: any }>, number, string, string?][] = [
    ['malformed JSON', () => call('POST', `${BASE}/services`, '{"apiVersion": '), 400, 'BadRequest'],
    [
      'malformed YAML',
      () => call('POST', `${BASE}/services`, 'a: [1\n b', { 'content-type': 'application/yaml' }),
      400,
      'BadRequest',
    ],
    [
      'several YAML documents',
      () => call('POST', `${BASE}/services`, 'a: 1\n---\nb: 2\n', { 'content-type': 'application/yaml' }),
      400,
      'BadRequest',
    ],
    ['empty body', () => call('POST', `${BASE}/services`, ''), 400, 'BadRequest'],
    ['a JSON array', () => call('POST', `${BASE}/services`, '[]'), 400, 'BadRequest'],
    ['a JSON string', () => call('POST', `${BASE}/services`, '"x"'), 400, 'BadRequest'],
    ['not UTF-8', () => call('POST', `${BASE}/services`, new Uint8Array([0xff, 0xfe, 0x7b])), 400, 'BadRequest'],
    ['wrong kind', () => call('POST', `${BASE}/services`, { ...service(), kind: 'Route' }), 400, 'BadRequest', 'kind'],
    [
      'missing kind',
      () => call('POST', `${BASE}/services`, { ...service(), kind: undefined }),
      400,
      'BadRequest',
      'kind',
    ],
    [
      'wrong apiVersion',
      () => call('POST', `${BASE}/services`, { ...service(), apiVersion: 'serving.knative.dev/v1alpha1' }),
      400,
      'BadRequest',
      'apiVersion',
    ],
    [
      'unknown top-level field',
      () => call('POST', `${BASE}/services`, { ...service(), spce: {} }),
      400,
      'BadRequest',
      'spce',
    ],
    [
      'unknown nested field',
      () => call('POST', `${BASE}/services`, { ...service(), spec: { templat: {} } }),
      400,
      'BadRequest',
      'spec.templat',
    ],
    [
      'unknown container field',
      () =>
        call('POST', `${BASE}/services`, {
          ...service(),
          spec: { template: { spec: { containers: [{ image: 'x', imagePullPolcy: 'x' }] } } },
        }),
      400,
      'BadRequest',
      'spec.template.spec.containers[0].imagePullPolcy',
    ],
    [
      'namespace mismatch',
      () => call('POST', `${BASE}/services`, { ...service(), metadata: { name: 'hello', namespace: 'other' } }),
      400,
      'BadRequest',
      'metadata.namespace',
    ],
    [
      'name mismatch on PUT',
      async () => {
        const c = (await call('POST', `${BASE}/services`, service('real'))).body;
        return call('PUT', `${BASE}/services/real`, { ...c, metadata: { ...c.metadata, name: 'other' } });
      },
      400,
      'BadRequest',
      'metadata.name',
    ],
    [
      'missing metadata',
      () => call('POST', `${BASE}/services`, { ...service(), metadata: undefined }),
      422,
      'Invalid',
      'metadata',
    ],
    [
      'missing name',
      () => call('POST', `${BASE}/services`, { ...service(), metadata: {} }),
      422,
      'Invalid',
      'metadata.name',
    ],
    ['bad name', () => call('POST', `${BASE}/services`, service('Not_Valid')), 422, 'Invalid', 'metadata.name'],
    [
      'bad namespace',
      () => call('POST', '/apis/serving.knative.dev/v1/namespaces/Bad_NS/services', service()),
      400,
      'BadRequest',
    ],
    [
      'oversized body',
      () => call('POST', `${BASE}/services`, JSON.stringify({ ...service(), pad: 'x'.repeat(1024 * 1024) })),
      413,
      'RequestEntityTooLarge',
    ],
    ['unknown resource', () => call('GET', '/apis/serving.knative.dev/v1/namespaces/example/widgets'), 404, 'NotFound'],
    ['unknown group', () => call('GET', '/apis/nope.dev/v1/namespaces/example/services'), 404, 'NotFound'],
    ['unknown path', () => call('GET', '/nope'), 404, 'NotFound'],
    ['get missing', () => call('GET', `${BASE}/services/missing`), 404, 'NotFound'],
    [
      'patch missing',
      () => call('PATCH', `${BASE}/services/missing`, {}, { 'content-type': 'application/merge-patch+json' }),
      404,
      'NotFound',
    ],
    ['delete missing', () => call('DELETE', `${BASE}/services/missing`), 404, 'NotFound'],
    ['POST to an item', () => call('POST', `${BASE}/services/x`, service()), 405, 'MethodNotAllowed'],
    ['DELETE a collection', () => call('DELETE', `${BASE}/services`), 405, 'MethodNotAllowed'],
    ['bad dryRun', () => call('POST', `${BASE}/services?dryRun=Yes`, service()), 400, 'BadRequest'],
    ['bad fieldValidation', () => call('POST', `${BASE}/services?fieldValidation=Loose`, service()), 400, 'BadRequest'],
    ['bad fieldSelector', () => call('GET', `${BASE}/services?fieldSelector=spec.x%3D1`), 400, 'BadRequest'],
    [
      'malformed merge patch',
      async () => {
        await call('POST', `${BASE}/services`, service('p'));
        return call('PATCH', `${BASE}/services/p`, '{nope', { 'content-type': 'application/merge-patch+json' });
      },
      400,
      'BadRequest',
    ],
    [
      'merge patch not an object',
      async () => {
        await call('POST', `${BASE}/services`, service('p'));
        return call('PATCH', `${BASE}/services/p`, '[1]', { 'content-type': 'application/merge-patch+json' });
      },
      400,
      'BadRequest',
    ],
    [
      'failing json patch',
      async () => {
        await call('POST', `${BASE}/services`, service('p'));
        return call('PATCH', `${BASE}/services/p`, [{ op: 'remove', path: '/spec/nope' }], {
          'content-type': 'application/json-patch+json',
        });
      },
      400,
      'BadRequest',
    ],
    [
      'patch that changes kind',
      async () => {
        await call('POST', `${BASE}/services`, service('p'));
        return call(
          'PATCH',
          `${BASE}/services/p`,
          { kind: 'Route' },
          { 'content-type': 'application/merge-patch+json' },
        );
      },
      400,
      'BadRequest',
      'kind',
    ],
    [
      'server-side apply',
      async () => {
        await call('POST', `${BASE}/services`, service('p'));
        return call('PATCH', `${BASE}/services/p`, '{}', { 'content-type': 'application/apply-patch+yaml' });
      },
      415,
      'UnsupportedMediaType',
    ],
    [
      'duplicate create',
      async () => {
        await call('POST', `${BASE}/services`, service('dup'));
        return call('POST', `${BASE}/services`, service('dup'));
      },
      409,
      'AlreadyExists',
    ],
  ];

  for (const [title, run, code, reason, field] of cases) {
    it(`${title} → ${code} ${reason}`, async () => {
      const before = (await rest.store.list('Service')).items.map(
        (s) => `${s.metadata.name}@${s.metadata.resourceVersion}`,
      );
      const res = await run();
      expect(res.status).toBe(code);
      expectStatus(res.body, code, reason);
      if (field) expect(res.body.details.causes.map((c: any) => c.field)).toContain(field);
      const after = (await rest.store.list('Service')).items.map(
        (s) => `${s.metadata.name}@${s.metadata.resourceVersion}`,
      );
      // Set-up writes happen before `before` is read only for single-call cases; compare what the bad call could add.
      for (const s of after)
        if (!before.includes(s)) expect(['real', 'p', 'dup'].some((n) => s.startsWith(`${n}@`))).toBe(true);
    });
  }

  it('fieldValidation=Ignore drops unknown fields; Warn also sends a Warning header', async () => {
    const ignored = await call('POST', `${BASE}/services?fieldValidation=Ignore`, { ...service('ign'), spce: 1 });
    expect(ignored.status).toBe(201);
    expect(ignored.body.spce).toBeUndefined();
    const warned = await call('POST', `${BASE}/services?fieldValidation=Warn`, { ...service('warn'), spce: 1 });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toContain('unknown field \\"spce\\"');
  });
});

describe('blobs', () => {
  const component = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 1, 2, 3]);
  it('stores a component content-addressed', async () => {
    const res = await call('PUT', '/apis/kedge.dev/v1/blobs', component, { 'content-type': 'application/wasm' });
    expect(res.status).toBe(201);
    expect(res.body.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await rest.store.blobs.get(res.body.digest)).toEqual(component);
  });
  it('rejects a core module and random bytes with a Status', async () => {
    const core = await call('PUT', '/apis/kedge.dev/v1/blobs', new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    expectStatus(core.body, 400, 'BadRequest');
    expect(core.body.message).toContain('core WebAssembly module');
    const junk = await call('PUT', '/apis/kedge.dev/v1/blobs', 'hello');
    expectStatus(junk.body, 400, 'BadRequest');
  });
});

describe('watch', () => {
  async function readEvents(res: Response, n: number) {
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    const events: any[] = [];
    while (events.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value);
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
    await reader.cancel();
    return events;
  }

  it('streams ADDED for existing objects, then MODIFIED and DELETED', async () => {
    await call('POST', `${BASE}/services`, service('one'));
    const res = await rest.app.fetch(new Request(`http://api${BASE}/services?watch=true`));
    expect(res.status).toBe(200);
    const pending = readEvents(res, 4);
    await call('POST', `${BASE}/services`, service('two'));
    await call(
      'PATCH',
      `${BASE}/services/two`,
      { metadata: { labels: { a: 'b' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    await call('DELETE', `${BASE}/services/two`);
    const events = await pending;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED one',
      'ADDED two',
      'MODIFIED two',
      'DELETED two',
    ]);
  });

  it('replays only what changed after a resourceVersion, deletions included', async () => {
    await call('POST', `${BASE}/services`, service('old'));
    await call('POST', `${BASE}/services`, service('doomed'));
    const rv = (await call('GET', `${BASE}/services`)).body.metadata.resourceVersion;
    await call('POST', `${BASE}/services`, service('new'));
    await call('DELETE', `${BASE}/services/doomed`);
    const res = await rest.app.fetch(new Request(`http://api${BASE}/services?watch=1&resourceVersion=${rv}`));
    const events = await readEvents(res, 2);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['MODIFIED new', 'DELETED doomed']);
  });

  it('answers a resourceVersion older than the deletions it keeps with an ERROR event (410 Expired), and refuses a malformed one', async () => {
    const { clock } = rest;
    const small = new SqliteStore(join(rest.dir, 'small'), { clock, tombstones: 1 });
    const smallConfig = new LiveConfig(small);
    smallConfig.start();
    const smallApp = createRestApp({ store: small, clock, logger: silentLogger, config: smallConfig });
    for (const n of ['a', 'b']) await small.create(service(n) as unknown as AnyResource);
    const rv = (await small.list('Service')).resourceVersion;
    await small.delete('Service', 'example', 'a');
    await small.delete('Service', 'example', 'b');
    const res = await smallApp.fetch(new Request(`http://api${BASE}/services?watch=1&resourceVersion=${rv}`));
    expect(res.status).toBe(200);
    const events = await readEvents(res, 2);
    expect(events).toEqual([
      { type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) },
    ]);
    await small.close();
    const bad = await rest.app.fetch(new Request(`http://api${BASE}/services?watch=1&resourceVersion=abc`));
    expect(bad.status).toBe(400);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const res = await rest.app.fetch(new Request(`http://api${BASE}/services?watch=true&timeoutSeconds=5`));
    const reader = res.body!.getReader();
    const done = reader.read();
    rest.clock.advance(5000);
    expect((await done).done).toBe(true);
  });
});

describe('discovery and documents', () => {
  it('lists the namespaces that hold objects (Kedge has no Namespace objects)', async () => {
    await call('POST', `${BASE}/services`, service());
    const res = await call('GET', '/api/v1/namespaces');
    expect(res.body.kind).toBe('NamespaceList');
    expect(res.body.items.map((n: any) => n.metadata.name)).toEqual(['default', 'example', 'knative-serving']);
    expect((await call('GET', '/api/v1/namespaces/anything')).body).toMatchObject({
      kind: 'Namespace',
      status: { phase: 'Active' },
    });
  });

  it('serves /version, discovery and OpenAPI', async () => {
    expect((await call('GET', '/version')).body).toMatchObject({ major: '1', minor: '32' });
    const res = await call('GET', '/apis/serving.knative.dev/v1');
    expect(res.body.resources.find((r: any) => r.name === 'services').shortNames).toContain('ksvc');
    const doc = (await call('GET', '/openapi.json')).body;
    expect(doc.openapi).toBe('3.0.0');
    expect(Object.keys(doc.paths)).toContain('/apis/serving.knative.dev/v1/namespaces/{namespace}/services/{name}');
    expect(doc.paths['/apis/kedge.dev/v1/blobs'].put).toBeDefined();
    const root = (await call('GET', '/openapi/v3')).body;
    const url = root.paths['apis/serving.knative.dev/v1'].serverRelativeURL;
    const gv = (await call('GET', url)).body;
    expect(
      gv.paths['/apis/serving.knative.dev/v1/namespaces/{namespace}/routes/{name}'].patch[
        'x-kubernetes-group-version-kind'
      ].kind,
    ).toBe('Route');
  });
});

describe('Knative defaulting and validation through the API', () => {
  it("applies Knative's helloworld manifest unchanged (image replaced by a component)", async () => {
    const yaml = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: helloworld
  namespace: example
spec:
  template:
    spec:
      containers:
        - image: hello.wasm@sha256:${'c'.repeat(64)}
          ports:
            - containerPort: 8080
          env:
            - name: TARGET
              value: "World"
`;
    const res = await call('POST', `${BASE}/services`, yaml, { 'content-type': 'application/yaml' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const c = res.body.spec.template.spec.containers[0];
    expect(c.name).toBe('user-container');
    expect(res.body.spec.template.spec.timeoutSeconds).toBe(300);
    expect(res.body.spec.traffic).toEqual([{ percent: 100, latestRevision: true }]);
  });

  it('reports every bad field at once as 422 Invalid with causes', async () => {
    const bad = service('broken', {
      spec: {
        template: { spec: { containers: [{ image: '', env: [{ name: 'PORT', value: '1' }] }], timeoutSeconds: 9999 } },
        traffic: [{ latestRevision: true, percent: 90 }],
      },
    });
    const res = await call('POST', `${BASE}/services`, bad);
    expectStatus(res.body, 422, 'Invalid');
    const fields = res.body.details.causes.map((c: any) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.traffic', 'spec.template.spec.timeoutSeconds']));
    expect(fields.some((f: string) => f.startsWith('spec.template.spec.containers[0]'))).toBe(true);
    expect(res.body.details).toMatchObject({ name: 'broken', kind: 'Service', group: 'serving.knative.dev' });
    expect(res.body.message).toContain('Service.serving.knative.dev "broken" is invalid');
    expect((await call('GET', `${BASE}/services/broken`)).status).toBe(404);
  });

  it('rejects a template change that keeps its BYO revision name', async () => {
    const s = service('byo');
    (s.spec.template as any).metadata = { name: 'byo-one' };
    const created = (await call('POST', `${BASE}/services`, s)).body;
    created.spec.template.spec.containers[0].env[0].value = 'changed';
    const res = await call('PUT', `${BASE}/services/byo`, created);
    expectStatus(res.body, 422, 'Invalid');
    expect(res.body.details.causes.map((c: any) => c.field)).toContain('spec.template.metadata.name');
  });

  it('rejects autoscaling annotations on the Service itself', async () => {
    const res = await call(
      'POST',
      `${BASE}/services`,
      service('ann', { metadata: { name: 'ann', annotations: { 'autoscaling.knative.dev/min-scale': '1' } } }),
    );
    expectStatus(res.body, 422, 'Invalid');
    expect(res.body.details.causes.map((c: any) => c.field)).toContain('metadata.annotations');
  });

  it('validates Knative ConfigMaps on apply (config-gc here, core for the rest)', async () => {
    const gc = await call('POST', '/api/v1/namespaces/knative-serving/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-gc' },
      data: { 'retain-since-create-time': 'soon', 'min-non-active-revisions': '-1' },
    });
    expectStatus(gc.body, 422, 'Invalid');
    expect(gc.body.details.causes.map((c: any) => c.field).sort()).toEqual([
      'data.min-non-active-revisions',
      'data.retain-since-create-time',
    ]);
    const defaults = await call('POST', '/api/v1/namespaces/knative-serving/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-defaults' },
      data: { 'revision-timeout-seconds': 'ten' },
    });
    expectStatus(defaults.body, 422, 'Invalid');
    expect((await call('GET', '/api/v1/namespaces/knative-serving/configmaps/config-gc')).status).toBe(404);
  });

  it('follows config-defaults for new objects', async () => {
    await call('POST', '/api/v1/namespaces/knative-serving/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-defaults' },
      data: { 'revision-timeout-seconds': '42', 'container-concurrency': '7' },
    });
    const res = await call('POST', `${BASE}/services`, service('dflt'));
    expect(res.body.spec.template.spec).toMatchObject({ timeoutSeconds: 42, containerConcurrency: 7 });
  });
});

describe('no-op writes', () => {
  it('keep the resourceVersion and emit no watch event', async () => {
    const created = (await call('POST', `${BASE}/services`, service('same'))).body;
    const again = await call('PUT', `${BASE}/services/same`, created);
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const patched = await call(
      'PATCH',
      `${BASE}/services/same`,
      { metadata: { labels: null } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.body.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });
});
