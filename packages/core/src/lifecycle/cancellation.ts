const noop = () => undefined;

/**
 * Why a request must stop: its deadline passed or its client left (the gateway and the queue both use it).
 * An AbortController cost more on Node 20 (~12 µs with its listeners) than a warm WebAssembly
 * request (Node 24: ~1–3 µs, still more than this), so the hot path makes this plain object per request; whoever needs a real
 * AbortSignal (fetch, for process instances) asks for one with `signal()`.
 */
export class Cancellation {
  private cancelled = false;
  private why: unknown;
  private listeners: ((reason: unknown) => void)[] | undefined;
  private controller: AbortController | undefined;

  get aborted(): boolean {
    return this.cancelled;
  }

  get reason(): unknown {
    return this.why;
  }

  /** Calls `fn` once when cancelled (at once if it already is); returns the way to stop listening. */
  onCancel(fn: (reason: unknown) => void): () => void {
    if (this.cancelled) {
      fn(this.why);
      return noop;
    }
    (this.listeners ??= []).push(fn);
    return () => {
      const i = this.listeners?.indexOf(fn) ?? -1;
      if (i >= 0) this.listeners!.splice(i, 1);
    };
  }

  /** An AbortSignal that follows this cancellation (made on first use). */
  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort(this.why);
    }
    return this.controller.signal;
  }

  cancel(reason: unknown): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.why = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    this.controller?.abort(reason);
    if (listeners) for (const fn of listeners) fn(reason);
  }
}
