import { describe, expect, it } from 'vitest';
import { parseServerTiming, serverTimingPhases } from './server-timing.js';

describe('Server-Timing', () => {
  it('parses names, durations and quoted descriptions', () => {
    expect(parseServerTiming('activator;dur=1.25, decision;dur=0.3;desc="KPA, poke", cache')).toEqual([
      { name: 'activator', dur: 1.25 },
      { name: 'decision', dur: 0.3, desc: 'KPA, poke' },
      { name: 'cache', dur: 0 },
    ]);
  });

  it('tolerates junk and missing headers', () => {
    expect(parseServerTiming(null)).toEqual([]);
    expect(parseServerTiming(' , ;dur=3, x;dur=abc')).toEqual([{ name: 'x', dur: 0 }]);
  });

  it('adds up a phase reported by two hops', () => {
    expect(serverTimingPhases('handler;dur=0.1, instantiate;dur=0.5, handler;dur=0.2')).toEqual({
      handler: 0.30000000000000004,
      instantiate: 0.5,
    });
  });
});
