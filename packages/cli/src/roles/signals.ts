import type { Logger } from '@kedge/core';

/** A graceful stop (listeners closed, runner drained) gets this long before the process just exits. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * SIGINT/SIGTERM stop the process gracefully; a second signal, or a stop that outlives the timeout,
 * exits at once (the operator does not want to wait for the drain). `kedge up` and the single-role
 * commands behave the same.
 */
export function stopOnSignals(opts: {
  name: string;
  logger: Logger;
  stop: () => Promise<void>;
  announce?: (signal: string) => void;
  timeoutMs?: number;
}): void {
  let stopping = false;
  const onSignal = async (signal: string) => {
    if (stopping) {
      opts.logger.warn({ signal }, `${opts.name}: stopping at once`);
      process.exit(1);
    }
    stopping = true;
    opts.announce?.(signal);
    opts.logger.info({ signal }, `stopping ${opts.name}`);
    const timeoutMs = opts.timeoutMs ?? SHUTDOWN_TIMEOUT_MS;
    setTimeout(() => {
      opts.logger.error(`${opts.name} did not stop within ${timeoutMs / 1000} s; exiting`);
      process.exit(1);
    }, timeoutMs).unref();
    await opts.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void onSignal('SIGINT'));
  process.on('SIGTERM', () => void onSignal('SIGTERM'));
}
