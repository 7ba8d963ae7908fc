import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBus, SqliteStore, silentLogger, subjects, type AdminScaleReply, type Revision } from '@kedge/core';
import { createAdminRoutes } from './admin.js';

const PATH = '/apis/kedge.dev/v1/namespaces/example/revisions/hello-00001/scale';

describe('admin scale verb', () => {
  let dir: string;
  let store: SqliteStore;
  let bus: MemoryBus;
  let admin: ReturnType<typeof createAdminRoutes>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kedge-admin-'));
    store = new SqliteStore(dir);
    bus = new MemoryBus();
    admin = createAdminRoutes({ store, bus, logger: silentLogger });
    const rev: Revision = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'hello-00001', namespace: 'example' },
      spec: { containers: [{ image: 'hello.wasm' }] },
    };
    await store.create(rev);
  });
  afterEach(async () => {
    await bus.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (body: unknown, path = PATH) =>
    admin(
      new Request(`http://api${path}`, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    )!;

  it('asks the autoscaler over the bus and answers once it replied', async () => {
    const seen: { subject: string; data: unknown }[] = [];
    bus.subscribe(subjects.adminScaleAll, (m) => {
      seen.push({ subject: m.subject, data: m.data });
      m.respond?.({ ok: true, stopped: 2 } satisfies AdminScaleReply);
    });
    const res = await post({ to: 0 });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, namespace: 'example', revision: 'hello-00001', to: 0, stopped: 2 });
    expect(seen).toEqual([{ subject: 'kedge.admin.scale.example.hello-00001', data: { to: 0 } }]);
  });

  it('leaves every other path to the REST app', () => {
    expect(
      admin(new Request('http://api/apis/serving.knative.dev/v1/namespaces/example/revisions/hello-00001')),
    ).toBeUndefined();
    expect(admin(new Request('http://api/apis/kedge.dev/v1/blobs', { method: 'PUT' }))).toBeUndefined();
  });

  it('rejects counts above zero naming the field', async () => {
    const res = await post({ to: 3 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { kind: string; message: string; details: { causes: { field: string }[] } };
    expect(body.kind).toBe('Status');
    expect(body.message).toMatch(/^to: only 0 is supported/);
    expect(body.details.causes[0]!.field).toBe('to');
    expect((await post('not json')).status).toBe(400);
  });

  it('404 for an unknown revision, 405 for other methods', async () => {
    const res = await post({ to: 0 }, '/apis/kedge.dev/v1/namespaces/example/revisions/nope-00001/scale');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { message: string }).message).toContain('"nope-00001" not found');
    expect((await admin(new Request(`http://api${PATH}`))!).status).toBe(405);
  });

  it('503 when no autoscaler is running, 409 when it refuses', async () => {
    const none = await post({ to: 0 });
    expect(none.status).toBe(503);
    expect(((await none.json()) as { message: string }).message).toContain('no autoscaler');
    bus.subscribe(subjects.adminScaleAll, (m) =>
      m.respond?.({ ok: false, error: 'revision example/hello-00001 not found' }),
    );
    const refused = await post({ to: 0 });
    expect(refused.status).toBe(409);
  });
});
