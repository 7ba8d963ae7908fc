import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryBus, subjects, type ComponentHeartbeat, type NodeHeartbeat } from '@kedge/core';
import {
  ClusterView,
  COMPONENTS_PATH,
  NODE_FORGET_AFTER_MS,
  NODES_PATH,
  type ComponentStatus,
  type NodeStatus,
} from './cluster-view.js';

const hb = (role: ComponentHeartbeat['role'], id: string, time: number, ready = true): ComponentHeartbeat => ({
  role,
  id,
  nodeId: 'n1',
  ready,
  restarts: 2,
  startedAt: 0,
  version: '0.1.0',
  time,
});

async function get<T>(view: ClusterView, path: string): Promise<T[]> {
  const res = view.handle(new Request(`http://api${path}`))!;
  expect(res.headers.get('content-type')).toBe('application/json');
  return ((await res.json()) as { items: T[] }).items;
}

describe('ClusterView', () => {
  it('lists role instances from their heartbeats and marks silent ones Lost', async () => {
    const clock = new ManualClock(1_000_000);
    const bus = new MemoryBus({ clock });
    const view = new ClusterView({ bus, clock });
    view.start();
    bus.publish(subjects.componentHeartbeat, hb('runner', 'r1', clock.now()));
    bus.publish(subjects.componentHeartbeat, hb('gateway', 'g1', clock.now()));
    bus.publish(subjects.componentHeartbeat, hb('api', 'a1', clock.now(), false));
    await bus.flush();
    let items = await get<ComponentStatus>(view, COMPONENTS_PATH);
    expect(items.map((c) => `${c.role}/${c.id} ${c.status} ${c.restarts}`)).toEqual([
      'api/a1 NotReady 2',
      'gateway/g1 Running 2',
      'runner/r1 Running 2',
    ]);
    clock.advance(2_000);
    bus.publish(subjects.componentHeartbeat, hb('gateway', 'g1', clock.now()));
    await bus.flush();
    clock.advance(2_000);
    items = await get<ComponentStatus>(view, COMPONENTS_PATH);
    expect(items.map((c) => `${c.id} ${c.status} ${c.ready}`)).toEqual([
      'a1 Lost false',
      'g1 Running true',
      'r1 Lost false',
    ]);
    clock.advance(10 * 60_000);
    expect(await get(view, COMPONENTS_PATH)).toEqual([]);
    view.stop();
  });

  it('lists runner nodes with their instance counts', async () => {
    const clock = new ManualClock(5_000);
    const bus = new MemoryBus({ clock });
    const view = new ClusterView({ bus, clock });
    view.start();
    const node: NodeHeartbeat = {
      nodeId: 'node-b',
      url: 'http://127.0.0.1:8012',
      capacity: 50,
      instances: { 'default/hello-00001': ['i1', 'i2'], 'default/other-00001': ['i3'] },
      time: 5_000,
      startedAt: 0,
      version: '0.1.0',
    };
    bus.publish(subjects.nodeHeartbeat, node);
    bus.publish(subjects.nodeHeartbeat, { ...node, nodeId: 'node-a', instances: {} });
    await bus.flush();
    const nodes = await get<NodeStatus>(view, NODES_PATH);
    expect(nodes.map((n) => `${n.nodeId} ${n.status} ${n.capacity} ${n.instanceCount}`)).toEqual([
      'node-a Ready 50 0',
      'node-b Ready 50 3',
    ]);
    expect(view.handle(new Request('http://api/apis/serving.knative.dev/v1/services'))).toBeUndefined();
    view.stop();
  });

  it('shows a silent runner node Lost without instances, then drops it after the grace period', async () => {
    const clock = new ManualClock(5_000);
    const bus = new MemoryBus({ clock });
    const view = new ClusterView({ bus, clock });
    view.start();
    const node = (nodeId: string): NodeHeartbeat => ({
      nodeId,
      url: 'http://127.0.0.1:8012',
      capacity: 50,
      instances: { 'default/hello-00001': ['i1', 'i2'] },
      time: clock.now(),
      startedAt: 0,
      version: '0.1.0',
    });
    const beat = async (...ids: string[]) => {
      for (const id of ids) bus.publish(subjects.nodeHeartbeat, node(id));
      await bus.flush();
    };
    await beat('node-a', 'node-b');
    // node-a is killed (kill -9: no goodbye); node-b keeps beating every second.
    const show = async () =>
      (await get<NodeStatus>(view, NODES_PATH)).map(
        (n) => `${n.nodeId} ${n.status} ${n.instanceCount} ${Object.keys(n.instances).length}`,
      );
    for (let s = 0; s < 4; s++) {
      clock.advance(1_000);
      await beat('node-b');
    }
    expect(await show()).toEqual(['node-a Lost 0 0', 'node-b Ready 2 1']);
    for (let s = 4; s < NODE_FORGET_AFTER_MS / 1_000; s++) {
      clock.advance(1_000);
      await beat('node-b');
    }
    expect(await show()).toEqual(['node-a Lost 0 0', 'node-b Ready 2 1']);
    clock.advance(1_001);
    await beat('node-b');
    expect(await show()).toEqual(['node-b Ready 2 1']);
    // A node that comes back is listed again.
    await beat('node-a');
    expect(await show()).toEqual(['node-a Ready 2 1', 'node-b Ready 2 1']);
    expect(view.handle(new Request(`http://api${NODES_PATH}`, { method: 'DELETE' }))).toBeUndefined();
  });
});
