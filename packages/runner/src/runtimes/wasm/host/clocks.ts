import { Pollable } from './io.js';

export const clocksImports = {
  'wasi:clocks/monotonic-clock': {
    now: (): bigint => process.hrtime.bigint(),
    resolution: (): bigint => 1n,
    subscribeInstant: (when: bigint): Pollable => new Pollable(when),
    subscribeDuration: (ns: bigint): Pollable => new Pollable(process.hrtime.bigint() + ns),
  },
  'wasi:clocks/wall-clock': {
    now: () => {
      const ms = Date.now();
      return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
    },
    resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
  },
};
