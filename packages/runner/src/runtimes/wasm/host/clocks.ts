import { timer, type Pollable, type Waits } from './io.js';

export function clocksImports(waits: Waits) {
  return {
    'wasi:clocks/monotonic-clock': {
      now: (): bigint => process.hrtime.bigint(),
      resolution: (): bigint => 1n,
      subscribeInstant: (when: bigint): Pollable => timer(when, waits),
      subscribeDuration: (ns: bigint): Pollable => timer(process.hrtime.bigint() + ns, waits),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
  };
}
