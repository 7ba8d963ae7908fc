import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  interface ProvidedContext {
    /** Directory the chaos cases append their rows to (set by report.ts under `npm run chaos`). */
    chaosResults: string;
  }
}

/** One line of the chaos table (docs/reliability.md). */
export interface ChaosRow {
  /** What was done, e.g. "kill -9 the gateway under load". */
  case: string;
  /** Faults injected (requests sent, kills, bad inputs). */
  faults: number;
  /** Of those, how many the system survived as promised. */
  survived: number;
  /** Throughput held by the healthy load during the fault vs before it, e.g. "92 % (410 → 377 req/s)". */
  load?: string;
  /** Requests lost vs in flight at the fault, e.g. "3 / 12". */
  lost?: string;
  /** From the fault (or its end) to full service again. */
  recovery?: string;
  pass: boolean;
  note?: string;
}

/** Appends the row when the run collects a table (npm run chaos); under `npm test` it is a no-op. */
export function record(row: ChaosRow): void {
  let dir: string | undefined;
  try {
    dir = inject('chaosResults');
  } catch {
    dir = undefined;
  }
  if (dir) appendFileSync(join(dir, 'rows.jsonl'), `${JSON.stringify(row)}\n`);
}

/** "92 % (410 → 377 req/s)" */
export function heldText(before: number, during: number): string {
  if (!(before > 0)) return `– (${during.toFixed(0)} req/s during)`;
  return `${Math.round((during / before) * 100)} % (${before.toFixed(0)} → ${during.toFixed(0)} req/s)`;
}

export function msText(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'not recovered';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
