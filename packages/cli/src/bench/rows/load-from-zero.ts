import { readFile } from 'node:fs/promises';
import { bringToZero, pollInstances } from '../kedge.js';
import { runLoad } from '../load.js';
import { writeLoad } from '../output.js';
import type { SuiteResult } from '../result.js';
import { summarizeRun } from '../summary.js';
import type { SuiteContext } from '../suite/context.js';
import type { KedgeUp } from './kedge-up.js';

/** Load on the hello revision from a quiet zero, its instance count polled: the ramp the warm rows leave out. */
export async function measureLoadFromZero(ctx: SuiteContext, kedge: KedgeUp): Promise<SuiteResult['loadFromZero']> {
  const { opts } = ctx;
  const { client, target } = kedge;
  try {
    const seconds = Math.max(4, Math.round((opts.loadMs * 2) / 1000));
    ctx.log(`load from zero: ${seconds} s, ${opts.connections} connections`);
    await bringToZero(client, target, opts.coldSettleMs);
    const poller = pollInstances(client, target, 200);
    const r = await runLoad({
      url: `${kedge.gateway}/`,
      host: target.host,
      connections: opts.connections,
      durationMs: seconds * 1000,
      timeoutMs: 10_000,
    });
    const instances = await poller.stop();
    const files = await writeLoad(
      ctx.outDir,
      'load-from-zero',
      r,
      instances,
      'tiny hello from zero, through the gateway',
    );
    const chart = 'load-from-zero-timeline.svg';
    ctx.svgs[chart] = await ctx.writeSvg(chart, await readFile(files[2]!));
    const maxInstances = instances.length ? Math.max(...instances.map((p) => p.count)) : undefined;
    return {
      command:
        `kedge revision scale ${target.revision} --to 0 -n example && sleep ${opts.coldSettleMs / 1000} && ` +
        `kedge bench load --service helloworld -n example -z ${seconds}s -c ${opts.connections}`,
      summary: summarizeRun(r, undefined, maxInstances),
      instances,
    };
  } catch (err) {
    ctx.missing('load from zero with the instance count over time', err);
    return undefined;
  }
}
