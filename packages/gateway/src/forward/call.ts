import { Cancellation, Deadlines, type Clock, type RequestTimeout } from '@kedge/core';
import type { Lease } from '../activator/activator.js';

/**
 * One request's life in the gateway, apart from what the activator decides: its deadlines (Knative's
 * timeout handler sits outside the throttler, so time spent held counts toward timeoutSeconds), its
 * cancellation (a deadline or a departed client stops the upstream call and cuts the body), and the
 * instance's slot, held until the response has been sent.
 */
export class ProxiedCall {
  readonly cancel = new Cancellation();
  /** Rejects with the deadline that passed; raced against waiting for an instance and for its answer. */
  readonly timedOut: Promise<never>;
  private readonly deadlines: Deadlines;
  private rejectTimeout!: (err: RequestTimeout) => void;
  private linked = false;
  private lease: Lease | undefined;
  /** While a forward is outstanding: on a timeout, its late answer still frees the slot when it comes. */
  private forwarding: { pending: Promise<Response>; lease: Lease } | undefined;
  private finished = false;

  constructor(
    private readonly req: Request,
    clock: Clock,
    deadlines: { timeoutSeconds: number; responseStartTimeoutSeconds?: number },
  ) {
    this.timedOut = new Promise<never>((_, reject) => (this.rejectTimeout = reject));
    this.timedOut.catch(() => undefined);
    this.deadlines = new Deadlines(clock, deadlines, (timeout) => this.fire(timeout));
  }

  /** The deadline that passed, if one did. */
  get timeout(): RequestTimeout | undefined {
    return this.deadlines.fired;
  }

  /**
   * An AbortSignal for the upstream call. An AbortController cost ~12 µs on Node 20 (~1–3 µs on 24;
   * req.signal makes @hono/node-server build one too), so the warm local path asks for none: it is
   * made only when a request waits in the activator or goes to a remote runner, the cases where
   * cancelling upstream matters.
   */
  signal(): AbortSignal {
    if (!this.linked) {
      this.linked = true;
      if (this.req.signal.aborted) this.cancel.cancel(this.req.signal.reason);
      else this.req.signal.addEventListener('abort', this.onClientAbort, { once: true });
    }
    return this.cancel.signal();
  }

  hasSignal(): boolean {
    return this.linked;
  }

  /** The instance's slot this call holds (released by finish()). */
  holding(lease: Lease | undefined): void {
    this.lease = lease;
  }

  /** A forward is outstanding with this lease (or none any more). */
  sending(forwarding: { pending: Promise<Response>; lease: Lease } | undefined): void {
    this.forwarding = forwarding;
  }

  /** The response head arrived. */
  responseStarted(): void {
    this.deadlines.responseStarted();
  }

  /** The call failed before a response: after a timeout the slot is still busy upstream, fire() arranged its release. */
  failed(err: unknown): void {
    if (this.timeout && err === this.timeout) this.lease = undefined;
    this.finish();
  }

  /** The response was sent (or abandoned): the slot goes back. Idempotent. */
  readonly finish = (): void => {
    if (this.finished) return;
    this.finished = true;
    this.deadlines.clear();
    if (this.linked) this.req.signal.removeEventListener('abort', this.onClientAbort);
    this.lease?.release();
  };

  private readonly onClientAbort = () => this.cancel.cancel(this.req.signal.reason);

  private fire(timeout: RequestTimeout): void {
    this.rejectTimeout(timeout);
    this.cancel.cancel(timeout);
    if (!this.forwarding) return;
    const { pending, lease } = this.forwarding;
    pending.then(
      (r) => {
        r.body?.cancel().catch(() => undefined);
        lease.release();
      },
      () => lease.release(),
    );
  }
}
