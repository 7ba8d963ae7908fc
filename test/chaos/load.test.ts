import { describe, expect, it } from 'vitest';
import { judge, type Outcome } from './load.js';
import { renderReliability, renderTable } from './report.js';

const ok = (start: number, end: number): Outcome => ({ start, end, ok: true, what: '200' });
const bad = (start: number, end: number, what = 'ECONNREFUSED'): Outcome => ({ start, end, ok: false, what });

describe('judge: a load around a fault', () => {
  it('counts what was in flight at the fault, what of it failed, and the throughput before and after', () => {
    const outcomes = [
      ...Array.from({ length: 20 }, (_, i) => ok(i * 100, i * 100 + 50)), // 0–2 s: 10 req/s
      ok(1990, 2100), // in flight at 2000, answered
      bad(1995, 2050), // in flight at 2000, lost
      bad(2100, 2150), // started after: failed after
      ...Array.from({ length: 10 }, (_, i) => ok(3000 + i * 100, 3000 + i * 100 + 50)),
    ];
    const j = judge(outcomes, 2000, 4500, { window: 2000, recoverFrom: 2500 });
    expect(j.inFlight).toBe(2);
    expect(j.lost).toBe(1);
    expect(j.failedAfter).toBe(1);
    expect(j.failed).toBe(2);
    expect(j.rpsBefore).toBe(10);
    expect(j.rpsAfter).toBeCloseTo(11 / 2.5);
    // The last failure ended at 2150, before the restart at 2500: whole again at once.
    expect(j.recoveryMs).toBe(0);
  });

  it('recovery runs from the restart to the end of the last failure, and is unknown without a quiet second after it', () => {
    const outcomes = [ok(0, 10), bad(1100, 1200), bad(2600, 3300), ok(3300, 3400), ok(4400, 4500)];
    expect(judge(outcomes, 1000, 4500, { recoverFrom: 2000 }).recoveryMs).toBe(1300);
    expect(judge(outcomes, 1000, 3800, { recoverFrom: 2000 }).recoveryMs).toBeUndefined();
    expect(judge([ok(0, 10), ok(1500, 1600)], 1000, 3000).recoveryMs).toBe(0);
  });
});

describe('the chaos table', () => {
  it('renders a row per case, failures marked and listed, cells safe for markdown', () => {
    const rows = [
      {
        case: 'kill -9 a | gateway',
        faults: 1,
        survived: 1,
        load: '90 %',
        lost: '1 / 6',
        recovery: '120 ms after restart',
        pass: true,
      },
      {
        case: 'closing stalled uploads',
        faults: 3,
        survived: 0,
        pass: false,
        note: 'process gone:\nERR_INVALID_STATE',
      },
    ];
    const table = renderTable(rows);
    expect(table.split('\n')).toHaveLength(4);
    expect(table).toContain('| kill -9 a \\| gateway | 1 | 1 | 90 % | 1 / 6 | 120 ms after restart | pass | – |');
    expect(table).toContain(
      '| closing stalled uploads | 3 | 0 | – | – | – | **FAIL** | process gone: ERR_INVALID_STATE |',
    );
    const doc = renderReliability(rows, {
      when: '2026-12-03 08:00',
      seconds: 200,
      machine: 'test machine',
      runs: '200',
    });
    expect(doc).toContain('## Failing today\n\n- closing stalled uploads: process gone: ERR_INVALID_STATE');
    expect(doc).toContain('on 2026-12-03 08:00 UTC in 200 s; test machine');
  });
});
