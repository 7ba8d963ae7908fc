import { describe, expect, it } from 'vitest';
import { age, componentsTable, nodesTable } from './get-cluster.js';

describe('kedge get components|nodes output', () => {
  it('formats ages like kubectl', () => {
    expect([0, 45_000, 192_000, 3_600_000, 18_180_000, 190_800_000].map(age)).toEqual([
      '0s',
      '45s',
      '3m12s',
      '1h',
      '5h3m',
      '2d5h',
    ]);
  });

  it('renders components and nodes as tables', () => {
    const now = 100_000;
    const table = componentsTable(
      [
        {
          role: 'gateway',
          id: 'gw-1',
          nodeId: 'n1',
          ready: true,
          restarts: 0,
          startedAt: 40_000,
          version: '0.1.0',
          time: now,
          status: 'Running',
          lastSeen: now,
        },
        {
          role: 'runner',
          id: 'r-2',
          nodeId: 'n2',
          ready: false,
          restarts: 3,
          startedAt: 0,
          version: '0.1.0',
          time: now,
          status: 'Lost',
          lastSeen: now,
        },
      ],
      now,
    );
    expect(table.split('\n')).toEqual([
      'ROLE      ID     NODE   READY   STATUS    RESTARTS   AGE     VERSION',
      'gateway   gw-1   n1     1/1     Running   0          1m      0.1.0',
      'runner    r-2    n2     0/1     Lost      3          1m40s   0.1.0',
    ]);
    expect(nodesTable([], now)).toMatch(/No runner nodes/);
    const nodes = nodesTable(
      [
        {
          nodeId: 'n2',
          url: 'http://127.0.0.1:8012',
          capacity: 10,
          instances: { 'default/a-00001': ['i1'], 'default/b-00001': [] },
          time: now,
          startedAt: 0,
          version: '0.1.0',
          status: 'Ready',
          lastSeen: now,
          instanceCount: 1,
        },
      ],
      now,
    );
    expect(nodes.split('\n')[1]).toBe(
      'n2     Ready    10         1           1           http://127.0.0.1:8012   1m40s   0.1.0',
    );
  });
});
