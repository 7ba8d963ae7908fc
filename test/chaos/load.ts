import { Pool } from 'undici';

/** One request's outcome, times in ms since the load started. */
export interface Outcome {
  start: number;
  end: number;
  ok: boolean;
  /** HTTP status, or the error's code when there was no answer. */
  what: string;
}

/**
 * A steady closed-loop load (`connections` keep-alive clients, each sending its next request when the
 * previous one ended) that keeps every outcome with its start and end, so a fault at time T can be
 * judged: what was in flight at T, what failed after it, when answers were whole again.
 */
export function steadyLoad(opts: {
  url: string;
  host: string;
  connections: number;
  timeoutMs?: number;
  path?: string;
}) {
  const origin = new URL(opts.url).origin;
  const pool = new Pool(origin, {
    connections: opts.connections,
    headersTimeout: opts.timeoutMs ?? 5_000,
    bodyTimeout: opts.timeoutMs ?? 5_000,
  });
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const outcomes: Outcome[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      const start = now();
      try {
        const res = await pool.request({ path: opts.path ?? '/', method: 'GET', headers: { host: opts.host } });
        await res.body.text();
        outcomes.push({ start, end: now(), ok: res.statusCode < 500, what: String(res.statusCode) });
      } catch (err) {
        const e = err as { code?: string; name?: string };
        outcomes.push({ start, end: now(), ok: false, what: e.code ?? e.name ?? 'Error' });
        // A refused connection fails at once: don't spin while the server is down.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const loops = Array.from({ length: opts.connections }, () => client());
  return {
    now,
    outcomes,
    async stop(): Promise<Outcome[]> {
      running = false;
      await Promise.all(loops);
      await pool.destroy();
      return outcomes;
    },
  };
}

export interface FaultReport {
  /** Answers per second in the window before the fault, and from the fault to the end. */
  rpsBefore: number;
  rpsAfter: number;
  /** Requests that had started and not ended at the fault. */
  inFlight: number;
  /** Of those, the ones that failed. */
  lost: number;
  /** Failed requests that started after the fault. */
  failedAfter: number;
  /** Every request that failed from the fault on. */
  failed: number;
  /** From `from` (the fault or the restart) to the end of the last failed request; 0 when none failed. */
  recoveryMs: number | undefined;
}

/**
 * Judges a load around a fault at `faultAt`. Recovery counts from `recoverFrom` (default: the fault) to the
 * end of the last failure, and only if the load ran on without failures for at least `quietMs` after it.
 */
export function judge(
  outcomes: Outcome[],
  faultAt: number,
  endAt: number,
  opts: { window?: number; recoverFrom?: number; quietMs?: number } = {},
): FaultReport {
  const window = opts.window ?? 2_000;
  const okIn = (a: number, b: number) => outcomes.filter((o) => o.ok && o.end >= a && o.end < b).length;
  const inFlightList = outcomes.filter((o) => o.start < faultAt && o.end > faultAt);
  const failures = outcomes.filter((o) => !o.ok && o.end >= faultAt);
  const lastFailure = Math.max(...failures.map((o) => o.end), -Infinity);
  const from = opts.recoverFrom ?? faultAt;
  const quiet = opts.quietMs ?? 1_000;
  const recovered =
    failures.length === 0 ? 0 : endAt - lastFailure >= quiet ? Math.max(0, lastFailure - from) : undefined;
  return {
    rpsBefore: okIn(faultAt - window, faultAt) / (window / 1000),
    rpsAfter: okIn(faultAt, endAt) / ((endAt - faultAt) / 1000),
    inFlight: inFlightList.length,
    lost: inFlightList.filter((o) => !o.ok).length,
    failedAfter: outcomes.filter((o) => !o.ok && o.start >= faultAt).length,
    failed: failures.length,
    recoveryMs: recovered,
  };
}
