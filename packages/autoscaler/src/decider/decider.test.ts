import { describe, expect, it } from 'vitest';
import { createDecider } from './decider.js';
import { DelayWindow } from './delay-window.js';
import type { DeciderSpec } from './spec.js';

/** Knative's defaults for a containerConcurrency-0 revision: target 70, total 100, TBC 211. */
const spec = (o: Partial<DeciderSpec> = {}): DeciderSpec => ({
  scalingMetric: 'concurrency',
  targetValue: 70,
  totalValue: 100,
  targetBurstCapacity: 211,
  panicThreshold: 2,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  activatorCapacity: 100,
  stableWindowSeconds: 60,
  scaleDownDelaySeconds: 0,
  reachable: true,
  activationScale: 0,
  ...o,
});
const s = (sec: number) => sec * 1000;

describe('decider Scale (Knative pkg/autoscaler/scaling/autoscaler.go)', () => {
  it('the worked example: 3 ready, stable 150, panic 300 → 3 pods, EBC −211, no panic', () => {
    const d = createDecider(spec());
    const r = d.scale({ now: s(2), observedStable: 150, observedPanic: 300, readyPods: 3 });
    expect(r).toEqual({ desiredPodCount: 3, excessBurstCapacity: -211, valid: true });
    expect(d.last).toMatchObject({ dspc: 3, dppc: 5, maxScaleUp: 3000, maxScaleDown: 1, overPanicThreshold: false });
    expect(d.inPanicMode()).toBe(false);
  });

  it('step 1/2: unreadable ready count or metrics give an invalid result', () => {
    const d = createDecider(spec());
    expect(d.scale({ now: 0, observedStable: 1, observedPanic: 1, readyPods: null }).valid).toBe(false);
    expect(d.scale({ now: 0, observedStable: null, observedPanic: 1, readyPods: 1 }).valid).toBe(false);
    expect(d.scale({ now: 0, observedStable: 1, observedPanic: null, readyPods: 1 }).valid).toBe(false);
  });

  it('step 1: a revision at zero counts as one pod for the rate limit', () => {
    const d = createDecider(spec({ maxScaleUpRate: 10, panicThreshold: 1000 }));
    // 7000 concurrency wants 100 pods; from 0 ready the cap is ceil(10 × max(1, 0)) = 10.
    expect(d.scale({ now: 0, observedStable: 7000, observedPanic: 7000, readyPods: 0 }).desiredPodCount).toBe(10);
  });

  it('step 3: the up-rate ceil still allows one more pod (MSUR 1.1, 2 ready, wants 3)', () => {
    const d = createDecider(spec({ maxScaleUpRate: 1.1, targetValue: 1, panicThreshold: 1000 }));
    expect(d.scale({ now: 0, observedStable: 3, observedPanic: 3, readyPods: 2 }).desiredPodCount).toBe(3);
  });

  it('step 3: scale-down is at most halving per decision while reachable', () => {
    const d = createDecider(spec());
    expect(d.scale({ now: 0, observedStable: 0, observedPanic: 0, readyPods: 10 }).desiredPodCount).toBe(5);
    expect(d.scale({ now: s(2), observedStable: 0, observedPanic: 0, readyPods: 5 }).desiredPodCount).toBe(2);
    expect(d.scale({ now: s(4), observedStable: 0, observedPanic: 0, readyPods: 1 }).desiredPodCount).toBe(0);
  });

  it('step 3: an unreachable revision drops straight to zero', () => {
    const d = createDecider(spec({ reachable: false }));
    expect(d.scale({ now: 0, observedStable: 0, observedPanic: 0, readyPods: 10 }).desiredPodCount).toBe(0);
  });

  it('step 4/5: demand is ceil(value / target), clamped', () => {
    const d = createDecider(spec());
    expect(d.scale({ now: 0, observedStable: 70, observedPanic: 70, readyPods: 1 }).desiredPodCount).toBe(1);
    expect(d.scale({ now: s(2), observedStable: 70.01, observedPanic: 70.01, readyPods: 1 }).desiredPodCount).toBe(2);
  });

  it('step 6: activation scale lifts a non-zero demand, zero stays zero', () => {
    const d = createDecider(spec({ activationScale: 3, reachable: false }));
    expect(d.scale({ now: 0, observedStable: 1, observedPanic: 1, readyPods: 0 }).desiredPodCount).toBe(3);
    expect(d.scale({ now: s(2), observedStable: 0, observedPanic: 0, readyPods: 0 }).desiredPodCount).toBe(0);
    expect(d.scale({ now: s(4), observedStable: 350, observedPanic: 350, readyPods: 5 }).desiredPodCount).toBe(5);
  });

  it('step 7: panic starts when panic demand ≥ threshold × ready (unclamped, ready ≥ 1)', () => {
    const d = createDecider(spec());
    // dppc = ceil(139/70) = 2 → 2/1 ≥ 2: panic.
    d.scale({ now: 0, observedStable: 10, observedPanic: 139, readyPods: 0 });
    expect(d.inPanicMode()).toBe(true);
    const e = createDecider(spec());
    // dppc = 3 on 2 ready: 1.5 < 2.
    e.scale({ now: 0, observedStable: 10, observedPanic: 210, readyPods: 2 });
    expect(e.inPanicMode()).toBe(false);
  });

  it('step 8/9: in panic the larger window wins and nothing scales down until a full stable window without surge', () => {
    const d = createDecider(spec());
    let r = d.scale({ now: 0, observedStable: 70, observedPanic: 700, readyPods: 1 });
    expect(d.inPanicMode()).toBe(true);
    expect(r.desiredPodCount).toBe(10);
    // Surge gone: stable wants max(1, floor(10/2)) = 5, but panic holds 10.
    r = d.scale({ now: s(2), observedStable: 70, observedPanic: 70, readyPods: 10 });
    expect(r.desiredPodCount).toBe(10);
    // panicTime + 60 s is not yet *before* now at exactly 60 s.
    r = d.scale({ now: s(60), observedStable: 70, observedPanic: 70, readyPods: 10 });
    expect(d.inPanicMode()).toBe(true);
    expect(r.desiredPodCount).toBe(10);
    r = d.scale({ now: s(62), observedStable: 70, observedPanic: 70, readyPods: 10 });
    expect(d.inPanicMode()).toBe(false);
    expect(r.desiredPodCount).toBe(5);
  });

  it('step 8: staying over the threshold extends the panic', () => {
    const d = createDecider(spec());
    d.scale({ now: 0, observedStable: 70, observedPanic: 700, readyPods: 1 });
    // At 30 s the 10 pods see 1400 → dppc 20 ≥ 2 × 10: extend to 30 s.
    const r = d.scale({ now: s(30), observedStable: 700, observedPanic: 1400, readyPods: 10 });
    expect(r.desiredPodCount).toBe(20);
    d.scale({ now: s(62), observedStable: 70, observedPanic: 70, readyPods: 20 });
    expect(d.inPanicMode()).toBe(true);
    d.scale({ now: s(92), observedStable: 70, observedPanic: 70, readyPods: 20 });
    expect(d.inPanicMode()).toBe(false);
  });

  it('step 9: in panic, a higher stable demand still raises the count', () => {
    const d = createDecider(spec());
    d.scale({ now: 0, observedStable: 0, observedPanic: 700, readyPods: 1 });
    expect(d.scale({ now: s(2), observedStable: 1400, observedPanic: 700, readyPods: 10 }).desiredPodCount).toBe(20);
  });

  it('a decider created with ≥ 2 ready pods starts in panic and holds that count', () => {
    const d = createDecider(spec(), { readyPodsAtCreation: 4, now: 0 });
    expect(d.inPanicMode()).toBe(true);
    expect(d.scale({ now: s(2), observedStable: 0, observedPanic: 0, readyPods: 4 }).desiredPodCount).toBe(4);
    expect(d.scale({ now: s(62), observedStable: 0, observedPanic: 0, readyPods: 4 }).desiredPodCount).toBe(2);
    expect(createDecider(spec(), { readyPodsAtCreation: 1 }).inPanicMode()).toBe(false);
  });

  it('step 10: scale-down delay holds the maximum of the last delay, scale-ups pass at once', () => {
    const d = createDecider(spec({ scaleDownDelaySeconds: 300, panicThreshold: 1000 }));
    expect(d.scale({ now: s(2), observedStable: 280, observedPanic: 0, readyPods: 1 }).desiredPodCount).toBe(4);
    for (let t = 4; t <= 300; t += 2)
      expect(d.scale({ now: s(t), observedStable: 0, observedPanic: 0, readyPods: 1 }).desiredPodCount).toBe(4);
    expect(d.scale({ now: s(302), observedStable: 0, observedPanic: 0, readyPods: 1 }).desiredPodCount).toBe(0);
    expect(d.scale({ now: s(304), observedStable: 490, observedPanic: 0, readyPods: 1 }).desiredPodCount).toBe(7);
  });

  it('step 10: no delay for unreachable revisions; update() swaps the window', () => {
    const d = createDecider(spec({ scaleDownDelaySeconds: 300, panicThreshold: 1000, reachable: false }));
    d.scale({ now: s(2), observedStable: 280, observedPanic: 0, readyPods: 1 });
    expect(d.scale({ now: s(4), observedStable: 0, observedPanic: 0, readyPods: 1 }).desiredPodCount).toBe(0);
    const e = createDecider(spec({ scaleDownDelaySeconds: 300, panicThreshold: 1000 }));
    e.scale({ now: s(2), observedStable: 280, observedPanic: 0, readyPods: 1 });
    e.update(spec({ scaleDownDelaySeconds: 0, panicThreshold: 1000 }));
    expect(e.scale({ now: s(4), observedStable: 0, observedPanic: 0, readyPods: 1 }).desiredPodCount).toBe(0);
  });

  it('step 11: excess burst capacity from real ready pods, total value and the panic value', () => {
    const at = (tbc: number, ready: number, panic: number) =>
      createDecider(spec({ targetBurstCapacity: tbc, panicThreshold: 1000 })).scale({
        now: 0,
        observedStable: panic,
        observedPanic: panic,
        readyPods: ready,
      }).excessBurstCapacity;
    expect(at(211, 5, 50)).toBe(239);
    expect(at(211, 0, 0)).toBe(-211);
    expect(at(211, 3, 88.5)).toBe(0); // floor(300 − 211 − 88.5) = 0: activator may leave
    expect(at(0, 0, 50)).toBe(0);
    expect(at(-1, 10, 0)).toBe(-1);
  });
});

describe('DelayWindow (Knative pkg/autoscaler/aggregation/max/timewindow.go)', () => {
  it('keeps a sliding maximum over ceil(delay / 2 s) buckets', () => {
    const w = new DelayWindow(300, 2);
    w.record(s(2), 4);
    for (let t = 4; t <= 300; t += 2) w.record(s(t), 0);
    expect(w.current()).toBe(4);
    w.record(s(302), 0);
    expect(w.current()).toBe(0);
  });

  it('merges two values in one bucket by their maximum and drops dominated older ones', () => {
    const w = new DelayWindow(10, 2);
    w.record(s(2), 3);
    w.record(s(3), 1);
    expect(w.current()).toBe(3);
    w.record(s(4), 2);
    w.record(s(6), 5);
    expect(w.current()).toBe(5);
    for (let t = 8; t <= 14; t += 2) w.record(s(t), 1);
    expect(w.current()).toBe(5);
    w.record(s(16), 1);
    expect(w.current()).toBe(1);
  });
});
