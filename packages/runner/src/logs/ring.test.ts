import { ManualClock } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { InstanceLogs } from './ring.js';

describe('InstanceLogs (the per-instance log ring)', () => {
  it('splits output into lines per stream, keeps partial lines until their newline', () => {
    const clock = new ManualClock(1000);
    const logs = new InstanceLogs(clock);
    logs.open('hello-00001-aaaa', 'ns', 'hello-00001', 'hello');
    logs.write('hello-00001-aaaa', 'stdout', 'one\ntw');
    logs.write('hello-00001-aaaa', 'stderr', 'oops\n');
    logs.write('hello-00001-aaaa', 'stdout', 'o\n');
    logs.write('unknown', 'stdout', 'dropped\n');
    const [inst] = logs.read({ namespace: 'ns', instanceId: 'hello-00001-aaaa' }).instances;
    expect(inst!.lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'one'],
      ['stderr', 'oops'],
      ['stdout', 'two'],
    ]);
    expect(inst!.running).toBe(true);
    // By service, a cursor (follow), the tail, since.
    expect(logs.read({ namespace: 'ns', service: 'hello' }).instances).toHaveLength(1);
    expect(logs.read({ namespace: 'ns', service: 'other' }).instances).toHaveLength(0);
    expect(
      logs
        .read({ namespace: 'ns', instanceId: 'hello-00001-aaaa', after: { 'hello-00001-aaaa': 2 } })
        .instances[0]!.lines.map((l) => l.text),
    ).toEqual(['two']);
    expect(
      logs
        .read({ namespace: 'ns', instanceId: 'hello-00001-aaaa', tailLines: 1 })
        .instances[0]!.lines.map((l) => l.text),
    ).toEqual(['two']);
    clock.advance(5000);
    logs.write('hello-00001-aaaa', 'stdout', 'later\n');
    expect(
      logs
        .read({ namespace: 'ns', instanceId: 'hello-00001-aaaa', since: 6000 })
        .instances[0]!.lines.map((l) => l.text),
    ).toEqual(['later']);
  });

  it('is bounded by lines and bytes, and keeps a stopped instance only for a while', () => {
    const clock = new ManualClock(0);
    const logs = new InstanceLogs(clock, { maxLines: 3, maxBytes: 1000, retainMs: 60_000 });
    logs.open('i', 'ns', 'r', 's');
    for (let n = 1; n <= 10; n++) logs.write('i', 'stdout', `line ${n}\n`);
    expect(logs.read({ namespace: 'ns', instanceId: 'i' }).instances[0]!.lines.map((l) => l.text)).toEqual([
      'line 8',
      'line 9',
      'line 10',
    ]);
    const small = new InstanceLogs(clock, { maxBytes: 10 });
    small.open('j', 'ns', 'r', 's');
    small.write('j', 'stdout', '12345\n67890\nabcde\n');
    expect(small.read({ namespace: 'ns', instanceId: 'j' }).instances[0]!.lines.map((l) => l.text)).toEqual([
      '67890',
      'abcde',
    ]);
    logs.write('i', 'stdout', 'unterminated');
    logs.close('i');
    const stopped = logs.read({ namespace: 'ns', instanceId: 'i' }).instances[0]!;
    expect(stopped.running).toBe(false);
    expect(stopped.lines.at(-1)!.text).toBe('unterminated');
    clock.advance(60_001);
    expect(logs.read({ namespace: 'ns', instanceId: 'i' }).instances).toEqual([]);
  });

  it("tails an instance's last lines, the unended one too (a failed start's error quotes them)", () => {
    const logs = new InstanceLogs(new ManualClock(0));
    logs.open('i', 'ns', 'r', 's');
    logs.write('i', 'stdout', 'one\ntwo\nthree\n');
    logs.write('i', 'stderr', 'panic: no config');
    expect(logs.tail('i', 2)).toEqual(['three', 'panic: no config']);
    expect(logs.tail('i', 5)).toEqual(['one', 'two', 'three', 'panic: no config']);
    expect(logs.tail('unknown', 5)).toEqual([]);
  });
});
