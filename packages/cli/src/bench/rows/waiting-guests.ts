import type { SuiteContext } from '../suite/context.js';
import { runWaiting, type WaitingResult } from '../waiting.js';

/** Guests that wait, and service-to-service: fresh `kedge up`s of their own (waiting.ts). */
export function measureWaiting(ctx: SuiteContext): Promise<WaitingResult> {
  const { opts } = ctx;
  return runWaiting({
    root: ctx.root,
    outDir: ctx.outDir,
    svgDir: ctx.svgDir,
    rel: ctx.rel,
    waitMs: opts.waitingMs,
    connections: opts.waitingConnections,
    s2sConnections: opts.waitingConnections.filter((c) => c <= 50),
    durationMs: opts.waitingDurationMs,
    log: ctx.log,
  });
}
