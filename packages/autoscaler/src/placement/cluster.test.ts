import type { NodeHeartbeat } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { Cluster, NODE_TIMEOUT_MS } from './cluster.js';

const hb = (
  nodeId: string,
  capacity: number,
  instances: Record<string, string[]> = {},
  startedAt = 1,
): NodeHeartbeat => ({
  nodeId,
  url: `http://127.0.0.1/${nodeId}`,
  capacity,
  instances,
  time: 0,
  startedAt,
  version: 'test',
});

describe('placement', () => {
  it('puts new instances on the least loaded node within capacity', () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 4, { 'ns/other': ['o1', 'o2'] }), 0);
    c.heartbeat(hb('b', 2), 0);
    const p = c.plan('ns/rev', 4);
    // Both have 2 free: a by name; then b has more free; then a tie again (one each) → a; then b.
    expect(p.start).toEqual(['a', 'b', 'a', 'b']);
    expect(p.unplaced).toBe(0);
    expect(c.plan('ns/rev', 5).unplaced).toBe(1);
  });

  it('gives container revisions only to nodes that run containers', () => {
    const c = new Cluster();
    c.heartbeat({ ...hb('a', 10), runtimes: ['wasm', 'process'] }, 0);
    c.heartbeat({ ...hb('b', 10), runtimes: ['wasm', 'process', 'container'] }, 0);
    c.heartbeat(hb('c', 10), 0);
    expect(c.plan('ns/rev', 3, 'container').start).toEqual(['b', 'b', 'b']);
    expect(c.plan('ns/rev', 3, 'wasm').start).toEqual(['a', 'b', 'c']);
    // A node that does not list its runtimes is an older runner: no engine.
    const old = new Cluster();
    old.heartbeat(hb('c', 10), 0);
    expect(old.plan('ns/rev', 1, 'container')).toMatchObject({ start: [], unplaced: 1 });
  });

  it("places a poked cold start on the gateway's node when it has room, once; else as usual", () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 10), 0);
    c.heartbeat(hb('edge', 2, { 'ns/other': ['o1'] }), 0);
    c.prefer('ns/rev', 'edge', 0);
    // edge has less room than a, but the poke asked for it; the second instance is placed as usual.
    expect(c.plan('ns/rev', 2).start).toEqual(['edge', 'a']);
    expect(c.plan('ns/rev', 1).start).toEqual(['a']);
    c.prefer('ns/full', 'edge', 0);
    c.heartbeat(hb('edge', 1, { 'ns/other': ['o1'] }), 0);
    expect(c.plan('ns/full', 1).start).toEqual(['a']);
    c.prefer('ns/late', 'edge', 0);
    c.heartbeat(hb('edge', 5, { 'ns/other': ['o1'] }), 10_000);
    expect(c.plan('ns/late', 1).start).toEqual(['a']);
  });

  it('spreads a revision when nodes are equally free', () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 10), 0);
    c.heartbeat(hb('b', 10), 0);
    expect(c.plan('ns/rev', 2).start).toEqual(['a', 'b']);
  });

  it('counts instances it started before the runner reports them', () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 1), 0);
    c.addStarting('i1', 'a', 'ns/rev', 0);
    expect(c.plan('ns/rev', 1)).toEqual({ start: [], stop: [], unplaced: 0 });
    expect(c.plan('ns/rev2', 1).unplaced).toBe(1);
  });

  it('stops not-ready instances first, then from the node with most of the revision', () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 10, { 'ns/rev': ['a1', 'a2'] }), 0);
    c.heartbeat(hb('b', 10, { 'ns/rev': ['b1'] }), 0);
    c.endpoints(
      {
        namespace: 'ns',
        revision: 'rev',
        nodeId: 'a',
        endpoints: [{ instanceId: 'a1' }, { instanceId: 'a2' }] as never,
        time: 0,
      },
      'ns/rev',
    );
    c.endpoints(
      { namespace: 'ns', revision: 'rev', nodeId: 'b', endpoints: [{ instanceId: 'b1' }] as never, time: 0 },
      'ns/rev',
    );
    c.addStarting('s1', 'b', 'ns/rev', 1);
    expect(c.readyCount('ns/rev')).toBe(3);
    const p = c.plan('ns/rev', 2);
    expect(p.stop.map((t) => t.id)).toEqual(['s1', 'a1']);
    c.markStopping('a1', 2);
    expect(c.readyCount('ns/rev')).toBe(2);
  });

  it('forgets a silent node and its instances; a restarted node counts as joined', () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 10, { 'ns/rev': ['a1'] }), 0);
    c.endpoints(
      { namespace: 'ns', revision: 'rev', nodeId: 'a', endpoints: [{ instanceId: 'a1' }] as never, time: 0 },
      'ns/rev',
    );
    expect(c.expire(NODE_TIMEOUT_MS).left).toEqual([]);
    const gone = c.expire(NODE_TIMEOUT_MS + 1);
    expect(gone.left).toEqual(['a']);
    expect([...gone.changed]).toEqual(['ns/rev']);
    expect(c.live('ns/rev')).toEqual([]);
    expect(c.readyCount('ns/rev')).toBe(0);
    expect(c.heartbeat(hb('a', 10), 7000).joined).toBe(true);
    expect(c.heartbeat(hb('a', 10), 8000).joined).toBe(false);
    expect(c.heartbeat(hb('a', 10, {}, 2), 9000).joined).toBe(true);
  });

  it('drops a running instance its node stopped listing, but not a recently stopped one it still lists', () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 10, { 'ns/rev': ['a1', 'a2'] }), 0);
    c.heartbeat(hb('a', 10, { 'ns/rev': ['a2'] }), 2000);
    expect(c.live('ns/rev').map((t) => t.id)).toEqual(['a1', 'a2']);
    const r = c.heartbeat(hb('a', 10, { 'ns/rev': ['a2'] }), 3500);
    expect(c.live('ns/rev').map((t) => t.id)).toEqual(['a2']);
    expect([...r.changed]).toEqual(['ns/rev']);
    c.remove('a2', 4000);
    c.heartbeat(hb('a', 10, { 'ns/rev': ['a2'] }), 4500);
    expect(c.live('ns/rev')).toEqual([]);
  });

  it('touch(): a node silent only because this replica could not hear the bus is not lost', () => {
    const c = new Cluster();
    c.heartbeat(hb('a', 4, { 'ns/rev': ['i1'] }), 0);
    // The bus is down from 0 to 12 s; every second the replica counts everyone as heard.
    for (let t = 1_000; t <= 12_000; t += 1_000) c.touch(t);
    expect(c.expire(12_000 + NODE_TIMEOUT_MS)).toEqual({ left: [], changed: new Set() });
    expect(c.live('ns/rev').map((t) => t.id)).toEqual(['i1']);
    // Back on the bus, real silence counts again.
    expect(c.expire(12_000 + NODE_TIMEOUT_MS + 1).left).toEqual(['a']);
  });
});
