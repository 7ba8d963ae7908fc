import { describe, expect, it } from 'vitest';
import { routeObject } from '../testing/harness.js';
import { normalizeHost } from './hosts.js';
import { pickTarget, RouteTable } from './table.js';

describe('RouteTable', () => {
  it('maps the route host, tag hosts and cluster-local names', () => {
    const t = new RouteTable();
    t.upsert(
      routeObject('default', 'hello', [
        { revisionName: 'hello-00001', percent: 100, tag: 'current' },
        { revisionName: 'hello-00002', percent: 0, tag: 'candidate' },
      ]),
    );
    expect(t.lookup('hello.default.example.com')?.targets.map((x) => x.revision)).toEqual(['hello-00001']);
    expect(t.lookup('HELLO.default.example.com:8080')?.targets.map((x) => x.revision)).toEqual(['hello-00001']);
    expect(t.lookup('candidate-hello.default.example.com')?.targets.map((x) => x.revision)).toEqual(['hello-00002']);
    expect(t.lookup('current-hello.default.example.com')?.tag).toBe('current');
    expect(t.lookup('hello.default.svc.cluster.local')?.route).toBe('hello');
    expect(t.lookup('hello.default.svc')?.route).toBe('hello');
    expect(t.lookup('candidate-hello.default.svc')?.targets[0]?.revision).toBe('hello-00002');
    expect(t.lookup('other.default.example.com')).toBeUndefined();
  });

  it('sums percents per revision on the main host and retracts hosts on update and delete', () => {
    const t = new RouteTable();
    const r = routeObject('ns', 'r', [
      { revisionName: 'a', percent: 60 },
      { revisionName: 'a', percent: 20, tag: 'x' },
      { revisionName: 'b', percent: 20 },
    ]);
    t.upsert(r);
    const e = t.lookup('r.ns.example.com')!;
    expect(e.targets.map((x) => x.revision)).toEqual(['a', 'b']);
    expect(e.cumulative).toEqual([80, 100]);
    expect(pickTarget(e, () => 0.79)?.revision).toBe('a');
    expect(pickTarget(e, () => 0.8)?.revision).toBe('b');
    t.upsert(routeObject('ns', 'r', [{ revisionName: 'b', percent: 100 }]));
    expect(t.lookup('x-r.ns.example.com')).toBeUndefined();
    expect(t.lookup('r.ns.example.com')?.targets.map((x) => x.revision)).toEqual(['b']);
    t.remove(r);
    expect(t.size).toBe(0);
  });

  it('normalizes hosts', () => {
    expect(normalizeHost('A.B.example.COM.:443')).toBe('a.b.example.com');
    expect(normalizeHost('[::1]:8080')).toBe('[::1]');
  });
});
