import { join } from 'node:path';
import { writeJson } from '../output.js';
import { progressLine } from '../progress.js';
import type { SuiteResult } from '../result.js';
import { runScaleFromZero } from '../scale-from-zero.js';
import type { SuiteContext } from '../suite/context.js';
import type { KedgeUp } from './kedge-up.js';

/** N services of the hello component, all at zero, then one request to each at the same moment. */
export async function measureScaleFromZero(ctx: SuiteContext, kedge: KedgeUp): Promise<SuiteResult['scaleFromZero']> {
  const sizes = ctx.opts.sfzSizes.join(',');
  try {
    ctx.log(`scale from zero: ${sizes} services`);
    const r = await runScaleFromZero({
      client: kedge.client,
      gatewayUrl: kedge.gateway,
      namespace: 'kedge-bench',
      sizes: ctx.opts.sfzSizes,
      component: ctx.component,
      progress: progressLine(process.stderr, 10),
    });
    await writeJson(join(ctx.outDir, 'scale-from-zero.json'), r);
    return {
      command: `kedge bench scale-from-zero --services ${sizes}`,
      setupMs: r.setupMs,
      rounds: r.rounds.map(({ samples: _s, ...round }) => round),
    };
  } catch (err) {
    ctx.missing(`scale from zero (kedge bench scale-from-zero --services ${sizes})`, err);
    return undefined;
  }
}
