import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryBus, subjects, type ComponentHeartbeat } from '@kedge/core';
import { GatewayDirectory } from './gateway-directory.js';

const beat = (
  role: ComponentHeartbeat['role'],
  id: string,
  nodeId: string,
  url: string | undefined,
  ready = true,
): ComponentHeartbeat => ({
  role,
  id,
  nodeId,
  ready,
  restarts: 0,
  startedAt: 0,
  version: '0.1.0',
  time: 0,
  ...(url ? { url } : {}),
});

describe("GatewayDirectory: where a runner process sends its guests' service-to-service calls", () => {
  it('knows none until a gateway announces its URL; ignores other roles and gateways without one', async () => {
    const clock = new ManualClock(1_000);
    const bus = new MemoryBus({ clock });
    const dir = new GatewayDirectory({ bus, clock, nodeId: 'node-a' });
    dir.start();
    expect(dir.pick()).toBeUndefined();
    bus.publish(subjects.componentHeartbeat, beat('runner', 'node-b', 'node-b', 'http://127.0.0.1:8012'));
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-old', 'node-b', undefined));
    await bus.flush();
    expect(dir.pick()).toBeUndefined();
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-1', 'node-b', 'http://10.0.0.2:8080'));
    await bus.flush();
    expect(dir.pick()).toBe('http://10.0.0.2:8080');
    dir.stop();
  });

  it("prefers gateways on the runner's own node, else takes every ready one in turn", async () => {
    const clock = new ManualClock(1_000);
    const bus = new MemoryBus({ clock });
    const dir = new GatewayDirectory({ bus, clock, nodeId: 'node-a' });
    dir.start();
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-1', 'node-b', 'http://b1'));
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-2', 'node-c', 'http://c1'));
    await bus.flush();
    expect([dir.pick(), dir.pick(), dir.pick(), dir.pick()].sort()).toEqual([
      'http://b1',
      'http://b1',
      'http://c1',
      'http://c1',
    ]);
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-local', 'node-a', 'http://a1'));
    await bus.flush();
    expect([dir.pick(), dir.pick(), dir.pick()]).toEqual(['http://a1', 'http://a1', 'http://a1']);
    // Stopping (its last beat says not ready): the others again.
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-local', 'node-a', 'http://a1', false));
    await bus.flush();
    expect(['http://b1', 'http://c1']).toContain(dir.pick());
    dir.stop();
  });

  it('forgets a gateway silent for three beats (killed, or cut off)', async () => {
    const clock = new ManualClock(1_000);
    const bus = new MemoryBus({ clock });
    const dir = new GatewayDirectory({ bus, clock, nodeId: 'node-a' });
    dir.start();
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-local', 'node-a', 'http://a1'));
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-1', 'node-b', 'http://b1'));
    await bus.flush();
    clock.advance(2_000);
    bus.publish(subjects.componentHeartbeat, beat('gateway', 'gw-1', 'node-b', 'http://b1'));
    await bus.flush();
    clock.advance(2_000);
    expect(dir.pick()).toBe('http://b1');
    clock.advance(2_000);
    expect(dir.pick()).toBeUndefined();
    dir.stop();
  });
});
