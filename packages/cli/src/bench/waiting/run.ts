import type { Client } from '../../client.js';
import { formatMs } from '../flags.js';
import { pollInstances, type BenchTarget } from '../kedge.js';
import { runLoad } from '../load.js';
import { progressLine } from '../progress.js';
import { summarizeRun } from '../summary.js';
import { TIMEOUT_MS, type WaitingContext } from './context.js';

export interface WaitingRun {
  label: string;
  url: string;
  connections: number;
  host?: string;
  /** A revision whose instance count is polled while the run lasts. */
  poll?: { client: Client; target: BenchTarget };
}

/** One measured run for the waiting section, its progress on one line and its figures logged after. */
export async function waitingRun(w: WaitingContext, { label, url, connections, host, poll }: WaitingRun) {
  const progress = progressLine(process.stderr, 5);
  const poller = poll ? pollInstances(poll.client, poll.target, 250) : undefined;
  const r = await runLoad({
    url,
    ...(host ? { host } : {}),
    connections,
    durationMs: w.opts.durationMs,
    timeoutMs: TIMEOUT_MS,
    onTick: (t) =>
      progress.update(
        `[bench] ${label}, ${connections} connection(s): ${t.elapsedS.toFixed(0)} s, ${t.requests} done, ` +
          `${t.rps} req/s, ${t.errors} errors`,
      ),
  });
  progress.done();
  const instances = poller ? await poller.stop() : undefined;
  const max = instances?.length ? Math.max(...instances.map((p) => p.count)) : undefined;
  w.opts.log(
    `${label}, ${connections} connection(s): ${Math.round(r.rps)} req/s, p99 ${formatMs(r.latency.summaryMs().p99)}, ` +
      `status ${JSON.stringify(r.statusCounts)}, errors ${r.errorCount}${max !== undefined ? `, max instances ${max}` : ''}`,
  );
  return { r, summary: summarizeRun(r, undefined, max), instances };
}
