import { applyHello, startDistributed, type Distributed } from '../distributed.js';
import { runLoad } from '../load.js';
import type { ColdStartEntry } from '../result.js';
import type { SuiteContext } from '../suite/context.js';
import { coldStartCommand, runColdStartRow } from './cold-start-row.js';

/**
 * Cold starts with every role its own process on NATS, the gateway reaching the runner over HTTP.
 * Runs once the embedded Kedge and the baselines have stopped, so the roles get the cores.
 */
export async function measureDistributed(ctx: SuiteContext): Promise<ColdStartEntry | undefined> {
  const { opts } = ctx;
  const iterations = Math.min(20, opts.coldIterations);
  const command = coldStartCommand('helloworld', iterations, opts.coldSettleMs);
  let dist: Distributed | undefined;
  try {
    ctx.log('distributed: nats-server + kedge api, autoscaler, runner, gateway as separate processes');
    dist = await startDistributed(ctx.cli, ctx.root);
    const { client, target } = await applyHello(dist, ctx.manifest);
    // The embedded Kedge meets its cold starts after the load runs, its code long since optimized by
    // V8; these fresh processes get a moment of warm traffic first, so the two compare.
    ctx.log('distributed: 3 s of warm traffic first');
    await runLoad({ url: `${dist.gatewayUrl}/`, host: target.host, connections: 10, durationMs: 3_000 }).catch(
      () => undefined,
    );
    ctx.log(`cold start (distributed): ${iterations} iterations`);
    const { entry } = await runColdStartRow(ctx, {
      key: 'cold-start-distributed',
      label: 'tiny hello (wasm), distributed: gateway and runner in separate processes on NATS',
      command,
      setup: dist.setup,
      gateway: dist.gatewayUrl,
      client,
      target,
      iterations,
      settleMs: opts.coldSettleMs,
    });
    return entry;
  } catch (err) {
    ctx.missing('cold start through a gateway whose runner is another process (distributed, NATS)', err);
    return undefined;
  } finally {
    await dist?.stop();
  }
}
