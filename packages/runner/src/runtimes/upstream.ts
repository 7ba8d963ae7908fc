import { effectiveContainerConcurrency, type Cancellation, type Revision } from '@kedge/core';
import type { InstanceUsage } from './usage.js';
import { appHeaders, jsonError, type RuntimeInstance } from './runtime.js';

/**
 * Forwards a request to an instance listening on `base` (a process or a container's published
 * port); `what` names the instance in the errors ("process", "container").
 */
export async function forward(base: string, req: Request, cancel: Cancellation, what: string): Promise<Response> {
  const signal = cancel.signal();
  const url = new URL(req.url);
  try {
    return await fetch(base + url.pathname + url.search, {
      method: req.method,
      headers: appHeaders(req.headers),
      body: req.body,
      signal,
      redirect: 'manual',
      ...(req.body ? { duplex: 'half' } : {}),
    } as RequestInit);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    return jsonError(502, 'UpstreamError', `the instance's ${what} did not answer: ${(err as Error).message}`);
  }
}

/** SIGTERM → SIGKILL grace of a stop: the revision's timeoutSeconds, at most `maxGraceMs` (default 10 s). */
export const stopGraceMs = (rev: Revision, maxGraceMs = 10_000): number =>
  Math.min((rev.spec.timeoutSeconds ?? 300) * 1000, maxGraceMs);

/** A ready app that serves on a local port: a process, or a container's published port. */
export interface UpstreamApp {
  rev: Revision;
  port: number;
  what: 'process' | 'container';
  /** Why the app is gone, when it is. */
  exited: () => string | undefined;
  /** The answer to a request that came after the app was gone (the app never saw it). */
  gone: (why: string) => Response;
  /** Settles with why, when the app ended. */
  ended: Promise<string>;
  stop: () => Promise<void>;
  usage?: () => InstanceUsage | undefined;
}

/** The instance the runner queues requests for, forwarding each to the app. */
export function upstreamInstance(app: UpstreamApp): RuntimeInstance {
  const base = `http://127.0.0.1:${app.port}`;
  let stopping = false;
  return {
    concurrency: effectiveContainerConcurrency(app.rev),
    async handle(req, cancel) {
      const why = app.exited();
      if (why) return app.gone(why);
      return forward(base, req, cancel, app.what);
    },
    async stop() {
      stopping = true;
      await app.stop();
    },
    ...(app.usage ? { usage: app.usage } : {}),
    // A stop the runner asked for is not an end of its own.
    ended: app.ended.then((why) => (stopping ? new Promise<string>(() => {}) : why)),
  };
}
