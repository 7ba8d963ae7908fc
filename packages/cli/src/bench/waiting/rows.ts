import type { BenchTarget } from '../kedge.js';
import { runLoad, type LoadResult } from '../load.js';
import { TIMEOUT_MS, type WaitingContext } from './context.js';
import type { WaitingKedge } from './kedge.js';
import { waitingRun } from './run.js';

/** Load on the autoscaled target just before each measured run, as for the suite's other Kedge rows. */
const WARMUP_MS = 3_000;

/** The run whose latency and instances over time the page charts. */
export interface Timeline {
  r: LoadResult;
  instances?: { t: number; count: number }[];
  connections: number;
}

/**
 * At each connection count: bare Node waiting with setTimeout, the sleeper through Kedge, then the JS
 * guest (after the sleeper, so the sleeper's row is measured before the JS guest loads the node).
 */
export async function measureWaitingRows(
  w: WaitingContext,
  bareUrl: string,
  kedge: WaitingKedge | undefined,
): Promise<Timeline | undefined> {
  const { waitMs } = w.opts;
  let timeline: Timeline | undefined;
  for (const row of w.result.rows) {
    const c = row.connections;
    try {
      await runLoad({ url: bareUrl, connections: c, durationMs: 500, timeoutMs: TIMEOUT_MS }).catch(() => undefined);
      row.bare = (
        await waitingRun(w, { label: `bare Node, setTimeout ${waitMs} ms`, url: bareUrl, connections: c })
      ).summary;
    } catch (err) {
      w.missing(`bare Node waiting ${waitMs} ms, ${c} connections`, err);
    }
    if (!kedge) continue;
    const warmedRun = async (label: string, url: string, target: BenchTarget) => {
      w.opts.log(`${label}, ${c} connection(s): ${WARMUP_MS / 1000} s warm-up`);
      await runLoad({ url, host: target.host, connections: c, durationMs: WARMUP_MS, timeoutMs: TIMEOUT_MS }).catch(
        () => undefined,
      );
      const poll = { client: kedge.client, target };
      return waitingRun(w, { label, url, connections: c, host: target.host, poll });
    };
    const sleeper = kedge.targets.sleeper;
    if (sleeper) {
      try {
        const { r, summary, instances } = await warmedRun(
          `sleeper (?ms=${waitMs}) through kedge up`,
          `${kedge.gateway}/?ms=${waitMs}`,
          sleeper,
        );
        row.kedge = summary;
        if (!timeline || c <= 50) timeline = { r, connections: c, ...(instances ? { instances } : {}) };
      } catch (err) {
        w.missing(`sleeper through kedge up, ${c} connections`, err);
      }
    }
    const js = kedge.targets['autoscale-js'];
    if (js) {
      try {
        row.cpuBound = (
          await warmedRun(
            `JS guest (autoscale-js ?sleep=${waitMs}, CPU-bound) through kedge up`,
            `${kedge.gateway}/?sleep=${waitMs}`,
            js,
          )
        ).summary;
      } catch (err) {
        w.missing(`JS guest (autoscale-js ?sleep=) through kedge up, ${c} connections`, err);
      }
    }
  }
  return timeline;
}
