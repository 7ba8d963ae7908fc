import { readFile } from 'node:fs/promises';
import type { Client } from '../../client.js';
import { runColdStart, type ColdStartResult } from '../cold-start.js';
import { bringToZero, type BenchTarget } from '../kedge.js';
import { writeColdStart } from '../output.js';
import { progressLine } from '../progress.js';
import type { ColdStartEntry } from '../result.js';
import type { SuiteContext } from '../suite/context.js';

/** One cold-start row: a revision brought to zero before every request, through one gateway. */
export interface ColdStartRow {
  key: string;
  label: string;
  command: string;
  /** How to start what it ran against, when that is not the suite's `kedge up`. */
  setup?: string;
  gateway: string;
  client: Client;
  target: BenchTarget;
  iterations: number;
  settleMs: number;
}

export const coldStartCommand = (service: string, iterations: number, settleMs: number) =>
  `kedge bench cold-start --service ${service} -n example -i ${iterations} --settle ${settleMs}ms`;

/** Runs the row, writes its raw results and its two charts; the page's entry and the full result. */
export async function runColdStartRow(
  ctx: SuiteContext,
  row: ColdStartRow,
): Promise<{ entry: ColdStartEntry; result: ColdStartResult }> {
  let scaleDowns = 0;
  const r = await runColdStart({
    url: `${row.gateway}/`,
    host: row.target.host,
    iterations: row.iterations,
    concurrency: 1,
    settleMs: row.settleMs,
    toZero: async () => {
      scaleDowns += await bringToZero(row.client, row.target, row.settleMs);
    },
    progress: progressLine(process.stderr, 10),
  });
  const files = await writeColdStart(ctx.outDir, row.key, r, row.label);
  const { samples: _samples, ...result } = r;
  const entry: ColdStartEntry = {
    key: row.key,
    command: row.command,
    ...(row.setup ? { setup: row.setup } : {}),
    label: row.label,
    scaleDowns,
    result,
  };
  for (const [i, suffix] of [
    [1, 'histogram'],
    [2, 'phases'],
  ] as const) {
    const name = `${row.key}-${suffix}.svg`;
    ctx.svgs[name] = await ctx.writeSvg(name, await readFile(files[i]!));
  }
  return { entry, result: r };
}
