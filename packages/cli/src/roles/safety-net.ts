import type { Logger } from '@kedge/core';

/**
 * Last line for a long-running role process: a promise rejection nobody handled is a bug, but one
 * stray rejection on a timer path must not take down every request the process serves. It is
 * logged at error level with its stack, as "unhandled rejection", so tests and operators see it;
 * an uncaught exception still ends the process (its state may be half-changed).
 */
export function installSafetyNet(logger: Logger, proc: NodeJS.Process = process): () => void {
  const onRejection = (reason: unknown) => {
    logger.error({ err: reason }, 'unhandled rejection (a bug: please report it); the process keeps serving');
  };
  proc.on('unhandledRejection', onRejection);
  return () => void proc.off('unhandledRejection', onRejection);
}
