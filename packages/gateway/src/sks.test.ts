import { afterEach, describe, expect, it } from 'vitest';
import { getCondition, ManualClock, type ServerlessService, type WatchEvent } from '@kedge/core';
import { harness, type Harness } from './testing/harness.js';
import { SKS_SETTLE_MS } from './sks.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function sks(name: string): ServerlessService {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'ServerlessService',
    metadata: { name, namespace: 'default' },
    spec: {
      mode: 'Proxy',
      numActivators: 2,
      objectRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', name },
    },
  };
}

/** Resolves with the next written status of the SKS that satisfies `pred`. */
function nextStatus(h: Harness, pred: (s: ServerlessService) => boolean): Promise<ServerlessService> {
  return new Promise((resolve) => {
    const stop = h.store.watch({ kind: 'ServerlessService', initial: false }, (ev: WatchEvent) => {
      const o = ev.object as ServerlessService;
      if (pred(o)) {
        stop();
        resolve(o);
      }
    });
  });
}

describe('ServerlessService status from the gateway', () => {
  it('writes readyEndpoints and Ready/NoHealthyBackends, keeping the autoscaler-owned spec', async () => {
    const clock = new ManualClock(1_000_000);
    h = await harness({ clock });
    await h.store.create(sks('hello-00001'));
    const first = nextStatus(h, (o) => o.status?.readyEndpoints === 0);
    clock.advance(SKS_SETTLE_MS);
    const empty = await first;
    expect(getCondition(empty.status?.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NoHealthyBackends',
    });
    expect(empty.spec).toMatchObject({ mode: 'Proxy', numActivators: 2 });

    const up = nextStatus(h, (o) => o.status?.readyEndpoints === 2);
    const i1 = h.runner.startInstance('default', 'hello-00001');
    h.runner.startInstance('default', 'hello-00001');
    const ready = await up;
    expect(getCondition(ready.status?.conditions, 'Ready')?.status).toBe('True');
    expect(getCondition(ready.status?.conditions, 'EndpointsPopulated')?.status).toBe('True');

    // the autoscaler flips the mode meanwhile: a status write must not undo it
    const cur = (await h.store.get<ServerlessService>('ServerlessService', 'default', 'hello-00001'))!;
    await h.store.update({ ...cur, spec: { ...cur.spec, mode: 'Serve' } });
    const down = nextStatus(h, (o) => o.status?.readyEndpoints === 1);
    await h.runner.stopInstance(i1.instanceId);
    const after = await down;
    expect(after.spec.mode).toBe('Serve');
  });
});
