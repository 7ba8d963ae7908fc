import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryBus, emitEvent, revisionRef, silentLogger, type KedgeEvent } from '@kedge/core';
import { T0, storesPerTest } from '../../test-support/harness.js';
import { EVENT_TTL_MS, EventRecorder } from './recorder.js';

const openStore = storesPerTest('kedge-events-');

async function setup(maxEvents?: number) {
  const clock = new ManualClock(T0);
  const store = openStore(clock);
  const bus = new MemoryBus({ clock });
  const recorder = new EventRecorder({ store, bus, clock, logger: silentLogger, ...(maxEvents ? { maxEvents } : {}) });
  await recorder.start();
  const ev = (reason: string, message: string): KedgeEvent => ({
    involvedObject: revisionRef('ns', 'hello-00001', 'uid-1'),
    type: 'Normal',
    reason,
    message,
    component: 'autoscaler',
    host: 'as-1',
    time: clock.now(),
  });
  const events = async () => (await store.list('Event' as never)).items as any[];
  return { clock, store, bus, recorder, ev, events };
}

describe('EventRecorder', () => {
  it('records v1 Events and counts repeats of the same one, as the apiserver does', async () => {
    const { clock, bus, recorder, ev, events } = await setup();
    emitEvent(bus, ev('ScaledUp', 'Scaled from 0 to 1: x'));
    clock.advance(1000);
    emitEvent(bus, ev('ScaledUp', 'Scaled from 0 to 1: x'));
    emitEvent(bus, ev('ScaledToZero', 'Scaled from 1 to 0: no requests'));
    await recorder.idle();
    const all = await events();
    expect(all).toHaveLength(2);
    const up = all.find((e) => e.reason === 'ScaledUp');
    expect(up).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'ns' },
      involvedObject: { kind: 'Revision', name: 'hello-00001', uid: 'uid-1' },
      type: 'Normal',
      count: 2,
      firstTimestamp: '2026-01-01T00:00:00.000Z',
      lastTimestamp: '2026-01-01T00:00:01.000Z',
      source: { component: 'autoscaler', host: 'as-1' },
    });
    expect(up.metadata.name).toMatch(/^hello-00001\.[0-9a-f]{16}$/);
    await recorder.stop();
  });

  it("forgets events after Kubernetes' hour", async () => {
    const { clock, bus, recorder, ev, events } = await setup();
    emitEvent(bus, ev('ColdStart', 'Started instance a in 3 ms'));
    await recorder.idle();
    expect(await events()).toHaveLength(1);
    clock.advance(EVENT_TTL_MS + 60_000);
    await recorder.idle();
    expect(await events()).toEqual([]);
    await recorder.stop();
  });

  it('keeps at most maxEvents, the oldest going first', async () => {
    const { clock, bus, recorder, ev, events } = await setup(3);
    for (let i = 1; i <= 5; i++) {
      emitEvent(bus, ev('ScaledUp', `Scaled from ${i - 1} to ${i}: load`));
      clock.advance(1000);
      await recorder.idle();
    }
    await recorder.idle();
    expect((await events()).map((e) => e.message).sort()).toEqual([
      'Scaled from 2 to 3: load',
      'Scaled from 3 to 4: load',
      'Scaled from 4 to 5: load',
    ]);
    await recorder.stop();
  });
});
