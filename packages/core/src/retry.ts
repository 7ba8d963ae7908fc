import { BusError } from './bus/bus.js';
import type { Clock } from './clock.js';
import { StoreError } from './errors.js';
import type { Logger } from './logger.js';

export interface RetryOptions {
  clock: Clock;
  /** What is being done, for the log lines (`ServerlessService status default/hello-00001`). */
  what: string;
  logger: Logger;
  /** First wait after a failure (default 100 ms); doubled per failure up to maxDelayMs (default 2 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Give up (throw the last error) after this many attempts; default: until `signal` aborts. */
  attempts?: number;
  /** Whether an error is worth another attempt (default: isTransient). */
  retryable?: (err: unknown) => boolean;
  /** The caller stopped: no further attempt, the last error is thrown. */
  signal?: AbortSignal;
}

/**
 * Whether an error may go away by itself: the Store or Bus could not be reached (a timeout, a lost
 * connection). A StoreError is the store's answer (conflict, not found, invalid) and a closed Bus
 * stays closed; programming errors are never retried.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof StoreError) return false;
  if (err instanceof BusError) return err.code !== 'Closed';
  if (
    err instanceof TypeError ||
    err instanceof RangeError ||
    err instanceof SyntaxError ||
    err instanceof ReferenceError
  )
    return false;
  return true;
}

/** Thrown when the signal aborted before the operation succeeded or failed for good. */
export class RetryAborted extends Error {
  constructor(
    what: string,
    override readonly cause: unknown,
  ) {
    super(`${what}: stopped before it succeeded`);
    this.name = 'RetryAborted';
  }
}

/**
 * Runs `op` until it succeeds, retrying transient failures with exponential backoff and jitter
 * on the injected clock. Logs the first failure and every tenth (warn), and the recovery (info), so
 * an outage is visible without a line per attempt.
 */
export async function retry<T>(op: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 100;
  const max = opts.maxDelayMs ?? 2_000;
  const retryable = opts.retryable ?? isTransient;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await op();
      if (attempt > 1) opts.logger.info({ what: opts.what, attempts: attempt }, 'succeeded after retries');
      return out;
    } catch (err) {
      if (opts.signal?.aborted) throw new RetryAborted(opts.what, err);
      if (!retryable(err) || (opts.attempts !== undefined && attempt >= opts.attempts)) throw err;
      const delay = Math.min(max, base * 2 ** Math.min(attempt - 1, 16)) * (0.75 + Math.random() * 0.5);
      if (attempt === 1 || attempt % 10 === 0)
        opts.logger.warn({ err, what: opts.what, attempt, retryInMs: Math.round(delay) }, 'failed; retrying');
      await wait(opts.clock, delay, opts.signal);
      if (opts.signal?.aborted) throw new RetryAborted(opts.what, err);
    }
  }
}

function wait(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
