import { describe, expect, it } from 'vitest';
import { BusError } from './bus/bus.js';
import { ManualClock } from './clock.js';
import { StoreError } from './errors.js';
import { silentLogger } from './logger.js';
import { isTransient, retry, RetryAborted } from './retry.js';

/** Lets the retry loop reach its next wait. */
const settle = () => new Promise((r) => setImmediate(r));

describe('retry', () => {
  it('retries transient failures with growing waits on the injected clock, then returns', async () => {
    const manual = new ManualClock(0);
    const waits: number[] = [];
    const clock = Object.assign(Object.create(manual) as ManualClock, {
      setTimeout: (fn: () => void, ms: number) => {
        waits.push(ms);
        return manual.setTimeout(fn, ms);
      },
    });
    const calls: number[] = [];
    const done = retry(
      async () => {
        calls.push(clock.now());
        if (calls.length < 4) throw new Error('TIMEOUT');
        return 'ok';
      },
      { clock, what: 'test', logger: silentLogger, baseDelayMs: 100, maxDelayMs: 250 },
    );
    for (let i = 0; i < 4; i++) {
      await settle();
      manual.advance(1_000);
    }
    expect(await done).toBe('ok');
    // 100, 200, then capped at 250 ms, each with ±25 % jitter .
    expect(calls).toHaveLength(4);
    const bounds = [
      [75, 125],
      [150, 250],
      [187.5, 312.5],
    ];
    for (const [i, w] of waits.entries())
      expect(w >= bounds[i]![0]! && w <= bounds[i]![1]!, `wait ${i}: ${w}`).toBe(true);
  });

  it("does not retry the store's answers, a closed bus or programming errors", async () => {
    const clock = new ManualClock(0);
    for (const err of [new StoreError('Conflict', 'x'), new BusError('Closed', 'x'), new TypeError('x')]) {
      let n = 0;
      await expect(
        retry(
          async () => {
            n++;
            throw err;
          },
          { clock, what: 'test', logger: silentLogger },
        ),
      ).rejects.toBe(err);
      expect(n).toBe(1);
      expect(isTransient(err)).toBe(false);
    }
    expect(isTransient(new BusError('Timeout', 'x'))).toBe(true);
  });

  it('gives up when its signal aborts, and after `attempts`', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    let n = 0;
    const p = retry(
      async () => {
        n++;
        throw new Error('down');
      },
      { clock, what: 'test', logger: silentLogger, signal: ac.signal },
    );
    await settle();
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(RetryAborted);
    expect(n).toBe(1);

    let m = 0;
    const q = retry(
      async () => {
        m++;
        throw new Error('down');
      },
      { clock, what: 'test', logger: silentLogger, attempts: 2 },
    );
    await settle();
    clock.advance(1_000);
    await expect(q).rejects.toThrow('down');
    expect(m).toBe(2);
  });
});
