import type { BenchTarget } from '../kedge.js';

/** One load target: where to send requests and how a reader reproduces the run. */
export interface Target {
  key: string;
  label: string;
  url: string;
  host?: string;
  /** Extra request headers (the direct runner call names its instance). */
  headers?: Record<string, string>;
  pid?: number;
  /** Printed beside the figure: how to start this server by hand. */
  setup: string;
  /** The kedge bench flags that select it. */
  flags: string;
  revision?: BenchTarget;
}
