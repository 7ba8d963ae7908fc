import type { SuiteContext } from '../suite/context.js';
import { runWaiting, type WaitingResult } from '../waiting.js';

/** Guests that wait, and service-to-service: fresh `kedge up`s of their own (waiting.ts). */
export function measureWaiting(ctx: SuiteContext): Promise<WaitingResult> {
  const { waitingMs, waitingConnections, waitingDurationMs } = ctx.opts;
  // The context carries the root, output dirs, rel and log the rows need.
  return runWaiting({
    ...ctx,
    waitMs: waitingMs,
    connections: waitingConnections,
    s2sConnections: waitingConnections.filter((c) => c <= 50),
    durationMs: waitingDurationMs,
  });
}
