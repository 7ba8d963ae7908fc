import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '@kedge/api';
import {
  MemoryBus,
  SqliteStore,
  silentLogger,
  subjects,
  systemClock,
  type AdminScaleReply,
  type Revision,
} from '@kedge/core';
import { createClient, type Client } from '../client.js';
import { serveFetch, type Served } from '../serve.js';
import { bringToZero, instanceCount, scaleRevision } from './kedge.js';

// The real API (REST + admin verb) over HTTP; a bus subscriber stands in for the autoscaler and
// writes the replica count into the Revision's status the way the reconcilers mirror it.
describe('scaling a revision to zero through the API', () => {
  let dir: string;
  let store: SqliteStore;
  let bus: MemoryBus;
  let served: Served;
  let client: Client;
  const t = { namespace: 'example', revision: 'hello-00001' };
  let comebackArmed = false;

  const setReplicas = async (n: number) => {
    const rev = (await store.get<Revision>('Revision', t.namespace, t.revision))!;
    await store.update({ ...rev, status: { ...rev.status, actualReplicas: n } });
  };

  beforeEach(async () => {
    comebackArmed = false;
    dir = await mkdtemp(join(tmpdir(), 'kedge-bench-kedge-'));
    store = new SqliteStore(dir);
    bus = new MemoryBus();
    const api = createApi({ store, bus, clock: systemClock, logger: silentLogger });
    served = await serveFetch(
      'api',
      '--api-port',
      async (req) => {
        const res = await api.fetch(req);
        // A comeback armed by a test happens right after a client has read the revision at zero.
        if (comebackArmed && req.method === 'GET' && new URL(req.url).pathname.endsWith(`/revisions/${t.revision}`)) {
          comebackArmed = false;
          await setReplicas(1);
        }
        return res;
      },
      0,
    );
    client = createClient(served.url);
    await store.create<Revision>({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: t.revision, namespace: t.namespace },
      spec: { containers: [{ image: 'hello.wasm' }] },
    });
    await setReplicas(1);
  });
  afterEach(async () => {
    await served.close();
    await bus.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('returns once the status shows zero', async () => {
    let calls = 0;
    bus.subscribe(subjects.adminScaleAll, async (m) => {
      calls += 1;
      await setReplicas(0);
      m.respond?.({ ok: true, stopped: 1 } satisfies AdminScaleReply);
    });
    const reply = await scaleRevision(client, t, 0);
    expect(reply.stopped).toBe(1);
    expect(calls).toBe(1);
    expect(await instanceCount(client, t)).toBe(0);
  });

  it('scales down again when the revision came back before reaching zero', async () => {
    let calls = 0;
    bus.subscribe(subjects.adminScaleAll, async (m) => {
      calls += 1;
      if (calls > 1) await setReplicas(0);
      m.respond?.({ ok: true, stopped: 1 } satisfies AdminScaleReply);
    });
    await scaleRevision(client, t, 0);
    expect(calls).toBe(2);
  });

  it('bringToZero repeats when an instance starts again during the settle time', async () => {
    let calls = 0;
    bus.subscribe(subjects.adminScaleAll, async (m) => {
      calls += 1;
      await setReplicas(0);
      // The first time, something starts an instance again once the client saw zero.
      if (calls === 1) comebackArmed = true;
      m.respond?.({ ok: true, stopped: 1 } satisfies AdminScaleReply);
    });
    expect(await bringToZero(client, t, 150)).toBe(2);
    expect(await instanceCount(client, t)).toBe(0);
  });

  it('says when no autoscaler answers', async () => {
    await expect(scaleRevision(client, t, 0)).rejects.toThrow(/no autoscaler/);
  });
});
