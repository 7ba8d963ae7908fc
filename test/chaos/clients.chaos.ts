import { describe, expect, it } from 'vitest';
import { leave, probe } from './clients.js';
import { HELLO, HOSTILE, hostileNode } from './kedge-up.js';
import { judge, steadyLoad } from './load.js';
import { heldText, msText, record } from './record.js';

// Clients that leave mid-response or close a stalled upload (issue: "a client that leaves mid-request or
// mid-response ends only that request"). Each case gets its own kedge up: today these kill it.
describe('chaos (full): clients that leave mid-response or close stalled uploads', () => {
  it('a client reads 10 KB of a 20 MB echo and closes, 100 times: the process lives', async () => {
    const node = await hostileNode();
    let survived = 0;
    try {
      for (let i = 0; i < 100 && node.alive(); i++) {
        await leave(
          { port: node.port, host: HOSTILE },
          { method: 'POST', path: '/echo', bodyBytes: 20_000_000, readBytes: 10_240 },
        );
        // The crash, when it comes, comes from a stream write just after the close: give it a turn.
        await new Promise((r) => setImmediate(r));
        if (node.alive() && (await probe(node.port, HELLO)).status === 200) survived += 1;
        else break;
      }
      record({
        case: 'client leaves a 20 MB echo after 10 KB, 100 times',
        faults: 100,
        survived,
        pass: survived === 100,
        note:
          survived < 100
            ? `process gone after ${survived + 1} tries: ${/ERR_\w+/.exec(node.proc.output())?.[0] ?? 'no answer'}`
            : '',
      });
      expect(survived).toBe(100);
    } finally {
      await node.stop();
    }
  });

  it('a client reads 10 KB of a 256 KiB streamed answer and closes, 30 times: the process lives', async () => {
    const node = await hostileNode();
    let survived = 0;
    try {
      for (let i = 0; i < 30; i++) {
        await leave({ port: node.port, host: HOSTILE }, { path: '/big', readBytes: 10_240 });
        await new Promise((r) => setImmediate(r));
        if (node.alive() && (await probe(node.port, HELLO)).status === 200) survived += 1;
        else break;
      }
      record({
        case: 'client leaves a 256 KiB streamed answer after 10 KB, 30 times',
        faults: 30,
        survived,
        pass: survived === 30,
        note:
          survived < 30
            ? `process gone after ${survived + 1} tries: ${/ERR_\w+/.exec(node.proc.output())?.[0] ?? 'no answer'}`
            : '',
      });
      expect(survived).toBe(30);
    } finally {
      await node.stop();
    }
  });

  it('three uploads that stall after 200 KB, then close: the neighbour keeps answering and the process lives', async () => {
    const node = await hostileNode();
    try {
      const load = steadyLoad({ url: `http://127.0.0.1:${node.port}/`, host: HELLO, connections: 4, timeoutMs: 3_000 });
      await new Promise((r) => setTimeout(r, 2_000));
      const faultAt = load.now();
      const stalls = [1, 2, 3].map(() =>
        leave(
          { port: node.port, host: HOSTILE },
          { method: 'POST', path: '/echo', bodyBytes: 1_000_000, sendBytes: 200_000, afterMs: 3_000 },
        ),
      );
      await Promise.all(stalls);
      await new Promise((r) => setTimeout(r, 2_000));
      const endAt = load.now();
      const outcomes = await load.stop();
      const j = judge(outcomes, faultAt, endAt, { window: 2_000 });
      const alive = node.alive();
      const failed = outcomes.filter((o) => !o.ok && o.start >= faultAt).length;
      record({
        case: 'three uploads stall after 200 KB for 3 s, then close; hello under load beside them',
        faults: 3,
        survived: alive ? 3 : 0,
        load: heldText(j.rpsBefore, j.rpsAfter),
        lost: `${j.lost} / ${j.inFlight}`,
        recovery: j.failed === 0 ? 'no failure' : msText(j.recoveryMs),
        pass: alive && failed === 0 && j.rpsAfter >= j.rpsBefore * 0.5,
        note: `${failed} neighbour requests failed${alive ? '' : `; process gone: ${/ERR_\w+/.exec(node.proc.output())?.[0] ?? ''}`}`,
      });
      expect(alive).toBe(true);
      expect(failed).toBe(0);
      expect(j.rpsAfter).toBeGreaterThanOrEqual(j.rpsBefore * 0.5);
    } finally {
      await node.stop();
    }
  });
});
