import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../bus/memory.js';
import { subjects, type ComponentHeartbeat } from '../bus/subjects.js';
import { ManualClock } from '../clock.js';
import { Ownership } from './ownership.js';

const hb = (id: string, time: number, ready = true, role: ComponentHeartbeat['role'] = 'autoscaler'): ComponentHeartbeat => ({
  role,
  id,
  nodeId: id,
  ready,
  restarts: 0,
  startedAt: 0,
  version: '0.1.0',
  time,
});

const keys = [...Array(300).keys()].map((i) => `default/rev-${i}`);

describe('Ownership (rendezvous hashing over live replicas)', () => {
  it('owns everything alone, and every key has exactly one owner among replicas that agree', async () => {
    const clock = new ManualClock(0);
    const bus = new MemoryBus({ clock });
    const a = new Ownership({ bus, clock, role: 'autoscaler', id: 'as-a' });
    const b = new Ownership({ bus, clock, role: 'autoscaler', id: 'as-b' });
    a.start();
    b.start();
    expect(keys.every((k) => a.owns(k))).toBe(true);
    bus.publish(subjects.componentHeartbeat, hb('as-a', 0));
    bus.publish(subjects.componentHeartbeat, hb('as-b', 0));
    bus.publish(subjects.componentHeartbeat, hb('gw-1', 0, true, 'gateway'));
    await bus.flush();
    expect(a.liveMembers()).toEqual(['as-a', 'as-b']);
    expect(b.liveMembers()).toEqual(['as-a', 'as-b']);
    for (const k of keys) expect(a.owns(k) !== b.owns(k)).toBe(true);
    const share = keys.filter((k) => a.owns(k)).length / keys.length;
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
  });

  it('takes over the keys of a replica that stops beating, and only those move', async () => {
    const clock = new ManualClock(0);
    const bus = new MemoryBus({ clock });
    const a = new Ownership({ bus, clock, role: 'autoscaler', id: 'as-a' });
    a.start();
    const changes: string[][] = [];
    a.onChange((m) => changes.push(m));
    for (const id of ['as-b', 'as-c']) bus.publish(subjects.componentHeartbeat, hb(id, 0));
    await bus.flush();
    const before = new Map(keys.map((k) => [k, a.owner(k)]));
    // as-b keeps beating, as-c goes silent.
    for (let t = 1_000; t <= 5_000; t += 1_000) {
      bus.publish(subjects.componentHeartbeat, hb('as-b', t));
      await bus.flush();
      clock.advance(1_000);
    }
    expect(a.liveMembers()).toEqual(['as-a', 'as-b']);
    for (const k of keys) {
      const was = before.get(k)!;
      if (was === 'as-c') expect(['as-a', 'as-b']).toContain(a.owner(k));
      else expect(a.owner(k)).toBe(was);
    }
    expect(changes.at(-1)).toEqual(['as-a', 'as-b']);
  });

  it('drops a replica at once when it says it is no longer ready', async () => {
    const clock = new ManualClock(0);
    const bus = new MemoryBus({ clock });
    const a = new Ownership({ bus, clock, role: 'autoscaler', id: 'as-a' });
    a.start();
    bus.publish(subjects.componentHeartbeat, hb('as-b', 0));
    await bus.flush();
    expect(a.liveMembers()).toEqual(['as-a', 'as-b']);
    bus.publish(subjects.componentHeartbeat, hb('as-b', 10, false));
    await bus.flush();
    expect(a.liveMembers()).toEqual(['as-a']);
    expect(keys.every((k) => a.owns(k))).toBe(true);
    a.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
