import {
  Cancellation,
  Deadlines,
  HOPS_HEADER,
  RequestStats,
  RequestTimeout,
  isCompleteResponse,
  trackBody,
  type Clock,
  type StatMessage,
} from '@kedge/core';
import { jsonError } from '../runtimes/runtime.js';

export interface QueueOptions {
  namespace: string;
  revision: string;
  instanceId: string;
  clock: Clock;
  /** Requests let through at once; 0 = no gate (Knative containerConcurrency 0). */
  concurrency: number;
  /** Requests allowed to wait at the gate (Knative: 10 × containerConcurrency). */
  queueDepth: number;
  timeoutSeconds: number;
  responseStartTimeoutSeconds?: number;
  idleTimeoutSeconds?: number;
}

/** The reason a queue aborts a request it gave to the instance: a revision deadline passed. */
export { RequestTimeout };

/**
 * A service-to-service call (it carries a hop count). One the activator sent never waits here for
 * a slot: its callers may hold the very slots it would wait for (a service calling itself, with
 * gateways that each count only their own requests), and scaling up cannot free a queue bound to
 * this instance. The activator holds it instead (the gateway tries again on `NoFreeSlot`).
 */
function isNestedCall(req: Request): boolean {
  const hops = Number(req.headers.get(HOPS_HEADER) ?? 0);
  return Number.isInteger(hops) && hops > 0;
}

/** Gets the request as it came, runner headers included: the runtimes leave out INTERNAL_HEADERS. */
export type Handler = (req: Request, cancel: Cancellation) => Promise<Response>;

/**
 * Kedge's queue-proxy, one per instance: counts every request in and out (for the autoscaler),
 * gates on the instance's concurrency with a bounded wait queue, enforces the revision's
 * timeouts, and knows when the instance is idle so a stop can drain it.
 */
export class Queue {
  private readonly stats: RequestStats;
  private active = 0;
  private waiting: Waiter[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: QueueOptions) {
    this.stats = new RequestStats(opts.clock.now());
  }

  get inFlight(): number {
    return this.stats.inFlight;
  }

  report(): StatMessage {
    const o = this.opts;
    const time = o.clock.now();
    const { elapsedMs: _, ...figures } = this.stats.report(time);
    return { namespace: o.namespace, revision: o.revision, source: o.instanceId, ...figures, time };
  }

  /** Resolves once nothing is in flight (counted until the response body is fully sent). */
  drained(): Promise<void> {
    if (this.stats.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** `clientSignal`: the caller stopped waiting (the instance is told through the handler's Cancellation). */
  async serve(req: Request, proxied: boolean, handler: Handler, clientSignal?: AbortSignal): Promise<Response> {
    const o = this.opts;
    const clock = o.clock;
    this.stats.in(clock.now(), proxied);
    if (clientSignal?.aborted) {
      this.stats.out(clock.now(), proxied);
      this.wakeIdle();
      return jsonError(499, 'ClientClosedRequest', 'the client went away');
    }
    const cancel = new Cancellation();
    // What the caller gets instead of the instance's answer when the request ends first.
    let endedWith: Response | undefined;
    let settle!: (r: Response) => void;
    const ended = new Promise<Response>((resolve) => (settle = resolve));
    const early = (r: Response) => {
      endedWith ??= r;
      settle(endedWith);
    };
    const onClientGone = () => {
      early(jsonError(499, 'ClientClosedRequest', 'the client went away'));
      cancel.cancel(clientSignal!.reason);
    };
    const deadlines = new Deadlines(clock, o, (timeout) => {
      // Settle the race with the 504 first: aborting makes the instance's promise reject.
      early(jsonError(504, 'Timeout', timeout.message, { revision: `${o.namespace}/${o.revision}` }));
      cancel.cancel(timeout);
    });
    let gated = false;
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      deadlines.clear();
      clientSignal?.removeEventListener('abort', onClientGone);
      if (gated) this.release();
      this.stats.out(clock.now(), proxied);
      this.wakeIdle();
    };
    clientSignal?.addEventListener('abort', onClientGone, { once: true });

    try {
      if (o.concurrency > 0) {
        const admitted = await this.admit(ended, proxied && isNestedCall(req));
        if (admitted !== true) {
          end();
          return admitted;
        }
        gated = true;
      }
      const handled = handler(req, cancel);
      const res = await Promise.race([handled, ended]);
      if (res === endedWith) {
        // The instance may still answer (or fail) later: nobody wants that answer any more.
        handled.then(
          (late) => late.body?.cancel().catch(() => undefined),
          () => undefined,
        );
        end();
        return res;
      }
      if (isCompleteResponse(res) || !res.body) {
        end();
        return res;
      }
      // Response started: only the overall and the idle deadline still apply.
      deadlines.responseStarted();
      const body = trackBody(res.body.getReader(), { onEnd: end, onChunk: () => deadlines.touch(), cancel });
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      end();
      throw err;
    }
  }

  /**
   * Waits for a slot at the containerConcurrency gate: true once admitted, or what `ended` gave
   * (a deadline's 504, a departed client's 499) if that came first; 503 at once when the line is full.
   */
  private async admit(ended: Promise<Response>, mustNotWait: boolean): Promise<true | Response> {
    const o = this.opts;
    if (this.active < o.concurrency) {
      this.active++;
      return true;
    }
    if (mustNotWait)
      return jsonError(503, 'NoFreeSlot', `instance ${o.instanceId} has no free slot for a service-to-service call`);
    if (this.waiting.length >= o.queueDepth)
      return jsonError(
        503,
        'QueueFull',
        `pending request queue full: ${o.queueDepth} requests already wait for instance ${o.instanceId}`,
      );
    const waiter: Waiter = { admitted: false, admit: () => undefined };
    const turn = new Promise<true>((resolve) => {
      waiter.admit = () => {
        waiter.admitted = true;
        resolve(true);
      };
    });
    this.waiting.push(waiter);
    const admitted = await Promise.race([turn, ended]);
    if (admitted !== true) {
      // Deadline while waiting: leave the line, or pass on a slot handed over meanwhile.
      if (waiter.admitted) this.release();
      else this.waiting = this.waiting.filter((w) => w !== waiter);
    }
    return admitted;
  }

  private wakeIdle(): void {
    if (this.stats.inFlight !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of waiters) f();
  }

  /** Hands a freed slot straight to the first waiter, so the count of active slots stays exact. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.admit();
    else this.active--;
  }
}

interface Waiter {
  admitted: boolean;
  admit: () => void;
}
