import type { Logger } from '@kedge/core';

/**
 * Store writes run one at a time, in the order they were asked for, by a component that hears bus
 * messages faster than it writes them: a failed write is logged and the next one still runs.
 */
export class SerialWrites {
  private tail: Promise<void> = Promise.resolve();

  /** `failure` is the warning a failed write logs. */
  constructor(
    private readonly logger: Logger,
    private readonly failure: string,
  ) {}

  enqueue(fn: () => Promise<void>): void {
    this.tail = this.tail.then(fn).catch((err: unknown) => this.logger.warn({ err }, this.failure));
  }

  /** Resolves once every write asked for so far is done, and the ones those asked for in turn. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.tail) {
      seen = this.tail;
      await seen;
    }
  }
}
