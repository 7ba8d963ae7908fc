import type { EdgeResult } from '../edge-report.js';
import { runEdgeRows } from '../edge.js';
import type { SuiteContext } from '../suite/context.js';

/** The Deno edge gateway beside the Node gateway, on a distributed cluster of its own (edge.ts). */
export function measureEdge(ctx: SuiteContext): Promise<EdgeResult> {
  const { opts } = ctx;
  return runEdgeRows({
    cli: ctx.cli,
    root: ctx.root,
    manifest: ctx.manifest,
    loadMs: opts.loadMs,
    connections: opts.connections,
    coldIterations: Math.min(20, opts.coldIterations),
    settleMs: opts.coldSettleMs,
    log: ctx.log,
  });
}
