import type { EdgeResult } from '../edge-report.js';
import { runEdgeRows } from '../edge.js';
import type { SuiteContext } from '../suite/context.js';

/** The Deno edge gateway beside the Node gateway, on a distributed cluster of its own (edge.ts). */
export function measureEdge(ctx: SuiteContext): Promise<EdgeResult> {
  // The context carries the cli, root, manifest and log the rows need.
  return runEdgeRows({
    ...ctx,
    loadMs: ctx.opts.loadMs,
    connections: ctx.opts.connections,
    coldIterations: Math.min(20, ctx.opts.coldIterations),
    settleMs: ctx.opts.coldSettleMs,
  });
}
