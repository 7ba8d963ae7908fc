import type { Bus, Clock, Logger, Store } from '@kedge/core';
import type { LiveConfig } from '../config/live.js';

export interface ReconcilerDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  config: LiveConfig;
}

export function createReconcilers(_deps: ReconcilerDeps) {
  return { start: async () => {}, stop: async () => {}, idle: async () => {} };
}
