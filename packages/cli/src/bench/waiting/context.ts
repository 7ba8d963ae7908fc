import type { Child } from '../child.js';
import type { WaitingOptions, WaitingResult } from '../waiting.js';

/** What the waiting rows' steps share: the options, the result they fill, the servers to stop. */
export interface WaitingContext {
  opts: WaitingOptions;
  result: WaitingResult;
  missing: (what: string, why: unknown) => void;
  children: Child[];
  dataDirs: string[];
}

/** Every request's timeout: one over it is an error, never a hang. */
export const TIMEOUT_MS = 10_000;
