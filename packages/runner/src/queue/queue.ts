import { isCompleteResponse, type Clock, type StatMessage } from '@kedge/core';
import { jsonError } from '../runtimes/runtime.js';
import { Cancellation } from './cancellation.js';
import { RequestStats } from './stats.js';

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
export class RequestTimeout extends Error {
  override readonly name = 'TimeoutError';
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
    return this.stats.report(o.clock.now(), { namespace: o.namespace, revision: o.revision, source: o.instanceId });
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
    const startedAt = clock.now();
    this.stats.in(startedAt, proxied);
    let ended = false;
    const timers: unknown[] = [];
    const clear = () => {
      for (const t of timers) clock.clearTimeout(t as never);
      timers.length = 0;
    };
    let gated = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clear();
      clientSignal?.removeEventListener('abort', onClientGone);
      if (gated) this.release();
      this.stats.out(clock.now(), proxied);
      if (this.stats.inFlight === 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const f of w) f();
      }
    };

    const cancel = new Cancellation();
    let timedOut: Response | undefined;
    let fire!: (r: Response) => void;
    const deadline = new Promise<Response>((resolve) => (fire = resolve));
    const onClientGone = () => {
      timedOut = jsonError(499, 'ClientClosedRequest', 'the client went away');
      fire(timedOut);
      cancel.cancel(clientSignal!.reason);
    };
    if (clientSignal?.aborted) {
      end();
      return jsonError(499, 'ClientClosedRequest', 'the client went away');
    }
    clientSignal?.addEventListener('abort', onClientGone, { once: true });
    const timeout = (seconds: number, what: string) => {
      const msg = `request timeout: ${what} (${seconds}s) passed`;
      timedOut = jsonError(504, 'Timeout', msg, { revision: `${o.namespace}/${o.revision}` });
      // Settle the race with the 504 first: aborting makes the instance's promise reject.
      fire(timedOut);
      cancel.cancel(new RequestTimeout(msg));
    };
    timers.push(clock.setTimeout(() => timeout(o.timeoutSeconds, 'timeoutSeconds'), o.timeoutSeconds * 1000));
    if (o.responseStartTimeoutSeconds)
      timers.push(
        clock.setTimeout(() => timeout(o.responseStartTimeoutSeconds!, 'responseStartTimeoutSeconds'), o.responseStartTimeoutSeconds * 1000),
      );

    try {
      if (o.concurrency > 0) {
        if (this.active >= o.concurrency) {
          if (this.waiting.length >= o.queueDepth) {
            end();
            return jsonError(503, 'QueueFull', `pending request queue full: ${o.queueDepth} requests already wait for instance ${o.instanceId}`);
          }
          const waiter: Waiter = { admitted: false, admit: () => undefined };
          const turn = new Promise<true>((r) => (waiter.admit = () => ((waiter.admitted = true), r(true))));
          this.waiting.push(waiter);
          const admitted = await Promise.race([turn, deadline]);
          if (admitted !== true) {
            // Deadline while waiting: leave the line, or pass on a slot handed over meanwhile.
            if (waiter.admitted) this.release();
            else this.waiting = this.waiting.filter((w) => w !== waiter);
            end();
            return admitted;
          }
        } else this.active++;
        gated = true;
      }
      const handled = handler(req, cancel);
      const res = await Promise.race([handled, deadline]);
      if (res === timedOut) {
        // The instance may still answer (or fail) later: nobody wants that answer any more.
        handled.then((late) => late.body?.cancel().catch(() => undefined), () => undefined);
        end();
        return res;
      }
      if (isCompleteResponse(res)) {
        end();
        return res;
      }
      // Response started: only the overall and the idle deadline still apply.
      clear();
      const remaining = Math.max(0, startedAt + o.timeoutSeconds * 1000 - clock.now());
      timers.push(clock.setTimeout(() => cancel.cancel(new RequestTimeout('request timeout: timeoutSeconds passed')), remaining));
      let idle: unknown;
      const touch = () => {
        if (!o.idleTimeoutSeconds) return;
        if (idle) clock.clearTimeout(idle as never);
        idle = clock.setTimeout(() => cancel.cancel(new RequestTimeout('request timeout: idleTimeoutSeconds passed')), o.idleTimeoutSeconds * 1000);
        timers.push(idle);
      };
      touch();
      return new Response(track(res.body, touch, end, cancel), { status: res.status, statusText: res.statusText, headers: res.headers });
    } catch (err) {
      end();
      throw err;
    }
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

/** Passes the body through, noting each chunk and the end (or cancel) of the response. */
function track(body: ReadableStream<Uint8Array> | null, onChunk: () => void, onEnd: () => void, cancel: Cancellation): ReadableStream<Uint8Array> | null {
  if (!body) {
    onEnd();
    return null;
  }
  const reader = body.getReader();
  let stopListening = (): void => undefined;
  const finish = () => {
    stopListening();
    onEnd();
  };
  // A deadline also ends a response nobody reads any more: it must not hold its slot forever.
  stopListening = cancel.onCancel((reason) => {
    finish();
    reader.cancel(reason).catch(() => undefined);
  });
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        try {
          const { done, value } = await reader.read();
          if (cancel.aborted) {
            finish();
            c.error(cancel.reason);
          } else if (done) {
            finish();
            c.close();
          } else {
            onChunk();
            c.enqueue(value);
          }
        } catch (err) {
          finish();
          c.error(err);
        }
      },
      cancel(reason) {
        finish();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
