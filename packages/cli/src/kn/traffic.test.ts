import { describe, expect, it } from 'vitest';
import { editTraffic, pairs } from './traffic.js';

describe('kn traffic flags', () => {
  it('leaves traffic alone without flags', () => {
    expect(editTraffic(undefined, {})).toBeUndefined();
    expect(editTraffic([{ latestRevision: true, percent: 100 }], {})).toEqual([{ latestRevision: true, percent: 100 }]);
  });

  it('--traffic replaces the split; @latest and revisions', () => {
    expect(editTraffic(undefined, { traffic: ['hello-00001=50,@latest=50'] })).toEqual([
      { revisionName: 'hello-00001', percent: 50 },
      { latestRevision: true, percent: 50 },
    ]);
  });

  it('--traffic can name an existing tag, and keeps unnamed tags at 0 %', () => {
    const current = [
      { revisionName: 'a-1', percent: 100, tag: 'blue' },
      { revisionName: 'a-2', percent: 0, tag: 'green' },
    ];
    expect(editTraffic(current, { traffic: ['blue=30', 'a-3=70'] })).toEqual([
      { revisionName: 'a-1', percent: 30, tag: 'blue' },
      { revisionName: 'a-3', percent: 70 },
      { revisionName: 'a-2', percent: 0, tag: 'green' },
    ]);
  });

  it('--tag tags an existing target or adds one at 0 %; --untag removes and drops empty targets', () => {
    const t = editTraffic([{ revisionName: 'a-1', percent: 100 }], { tag: ['a-1=current', '@latest=latest'] });
    expect(t).toEqual([
      { revisionName: 'a-1', percent: 100, tag: 'current' },
      { tag: 'latest', latestRevision: true, percent: 0 },
    ]);
    expect(editTraffic(t, { untag: ['latest'] })).toEqual([{ revisionName: 'a-1', percent: 100, tag: 'current' }]);
  });

  it('rejects what kn rejects', () => {
    expect(() => editTraffic(undefined, { traffic: ['a=150'] })).toThrow(/percent must be an integer from 0 to 100/);
    expect(() => editTraffic(undefined, { traffic: ['a'] })).toThrow(/expected KEY=VALUE/);
    expect(() => editTraffic(undefined, { untag: ['x'] })).toThrow(/no traffic target is tagged "x"/);
    expect(() => editTraffic([{ revisionName: 'a', percent: 100, tag: 't' }], { tag: ['b=t'] })).toThrow(
      /already used/,
    );
    expect(pairs(['a=1,b=2', 'c=3'], '--x')).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });
});
