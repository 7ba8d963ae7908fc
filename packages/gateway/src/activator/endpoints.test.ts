import { describe, expect, it } from 'vitest';
import { ManualClock, type Endpoint } from '@kedge/core';
import { EndpointsRegistry } from './endpoints.js';

const ep = (node: string, id: string): Endpoint => ({
  namespace: 'ns',
  revision: 'r',
  instanceId: id,
  nodeId: node,
  url: `http://${node}`,
  concurrency: 0,
});

describe('EndpointsRegistry', () => {
  it('merges per node, drops a node whose heartbeat stops for 2 s, and asks for a resync when it returns', () => {
    const clock = new ManualClock(0);
    const changes: string[][] = [];
    const returned: string[] = [];
    const reg = new EndpointsRegistry(
      clock,
      (_k, eps) => changes.push(eps.map((e) => e.instanceId)),
      (node) => returned.push(node),
    );
    reg.apply({ namespace: 'ns', revision: 'r', nodeId: 'n1', endpoints: [ep('n1', 'a')], time: 0 });
    reg.apply({ namespace: 'ns', revision: 'r', nodeId: 'n2', endpoints: [ep('n2', 'b'), ep('n2', 'c')], time: 0 });
    expect(
      reg
        .get('ns/r')
        .map((e) => e.instanceId)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
    // n1 replaces only its own share
    reg.apply({ namespace: 'ns', revision: 'r', nodeId: 'n1', endpoints: [], time: 0 });
    expect(reg.get('ns/r').map((e) => e.instanceId)).toEqual(['b', 'c']);
    reg.apply({ namespace: 'ns', revision: 'r', nodeId: 'n1', endpoints: [ep('n1', 'a')], time: 0 });
    for (let t = 500; t <= 2_000; t += 500) {
      clock.advanceTo(t);
      reg.heartbeat({ nodeId: 'n2', url: '', capacity: 1, instances: {}, time: t, startedAt: 0, version: '' });
      reg.expire();
    }
    expect(reg.get('ns/r')).toHaveLength(3); // n1 silent for exactly 2 s: still in
    clock.advanceTo(2_001);
    reg.expire();
    expect(reg.get('ns/r').map((e) => e.instanceId)).toEqual(['b', 'c']);
    expect(changes.at(-1)).toEqual(['b', 'c']);
    expect(returned).toEqual([]);
    reg.heartbeat({ nodeId: 'n1', url: '', capacity: 1, instances: {}, time: 2_001, startedAt: 0, version: '' });
    expect(returned).toEqual(['n1']);
  });

  it('does not blame nodes for its own stall', () => {
    const clock = new ManualClock(0);
    const reg = new EndpointsRegistry(clock, () => {});
    reg.apply({ namespace: 'ns', revision: 'r', nodeId: 'n1', endpoints: [ep('n1', 'a')], time: 0 });
    reg.expire();
    clock.advanceTo(5_000); // event loop blocked for 5 s: no expire() ran, no heartbeat was read
    reg.expire();
    expect(reg.get('ns/r')).toHaveLength(1);
    clock.advanceTo(5_500);
    reg.expire();
    expect(reg.get('ns/r')).toHaveLength(1);
  });

  it('keeps every node while the bus is down (nats-server restarting), and blames silence again once it is back', () => {
    const clock = new ManualClock(0);
    let up = true;
    const reg = new EndpointsRegistry(
      clock,
      () => {},
      () => {},
      () => up,
    );
    reg.apply({ namespace: 'ns', revision: 'r', nodeId: 'n1', endpoints: [ep('n1', 'a')], time: 0 });
    up = false;
    for (let t = 500; t <= 10_000; t += 500) {
      clock.advanceTo(t);
      reg.expire();
    }
    expect(reg.get('ns/r')).toHaveLength(1);
    up = true;
    // Back: a fresh 2 s grace from the last check while down, then silence counts.
    for (let t = 10_500; t <= 12_000; t += 500) {
      clock.advanceTo(t);
      reg.expire();
    }
    expect(reg.get('ns/r')).toHaveLength(1);
    clock.advanceTo(12_500);
    reg.expire();
    expect(reg.get('ns/r')).toEqual([]);
  });
});
