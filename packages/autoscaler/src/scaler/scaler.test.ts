import { describe, expect, it } from 'vitest';
import { computeScale, type ScalerInput } from './scaler.js';
import {
  computeActiveCondition,
  newPAState,
  numActivators,
  paStateFromStatus,
  paStatusFor,
  sksMode,
  type PAState,
} from './pa-status.js';

const s = (sec: number) => sec * 1000;
const pa = (active: PAState['active'], since = 0, initialized = true): PAState => ({
  active,
  activeSince: since,
  scaleTargetInitialized: initialized,
});
const input = (o: Partial<ScalerInput> = {}): ScalerInput => ({
  now: s(1000),
  desiredScale: 0,
  pa: pa('True'),
  reachable: true,
  minScale: 0,
  maxScale: 0,
  initialScale: 1,
  stableWindowSeconds: 60,
  targetBurstCapacity: 211,
  enableScaleToZero: true,
  scaleToZeroGracePeriodSeconds: 30,
  scaleToZeroPodRetentionPeriodSeconds: 0,
  activationTimeoutSeconds: 630,
  sksMode: 'Proxy',
  proxySince: 0,
  activatorInPath: true,
  ...o,
});

describe('scale(): bounds and initial scale (Knative pkg/reconciler/autoscaling/kpa/scaler.go)', () => {
  it('1: no decision yet and not activating → nothing', () => {
    expect(computeScale(input({ desiredScale: -1 }))).toEqual({ want: -1, apply: false, waiting: 'metrics' });
  });

  it('2/4: min and max bound the decision; min is ignored when unreachable', () => {
    expect(computeScale(input({ desiredScale: 1, minScale: 2 }))).toEqual({ want: 2, apply: true });
    expect(computeScale(input({ desiredScale: 9, maxScale: 4 }))).toEqual({ want: 4, apply: true });
    expect(computeScale(input({ desiredScale: 9, maxScale: 0 }))).toEqual({ want: 9, apply: true });
    expect(computeScale(input({ desiredScale: 1, minScale: 2, reachable: false }))).toEqual({ want: 1, apply: true });
  });

  it('3: initial scale > 1 is a floor until the target was initialized (and only while reachable)', () => {
    const fresh = pa('Unknown', s(1000), false);
    expect(computeScale(input({ desiredScale: -1, pa: fresh, initialScale: 3 }))).toEqual({ want: 3, apply: true });
    expect(computeScale(input({ desiredScale: 1, pa: pa('True', 0, true), initialScale: 3 }))).toEqual({
      want: 1,
      apply: true,
    });
    expect(computeScale(input({ desiredScale: -1, pa: fresh, initialScale: 3, reachable: false })).want).toBe(-1);
  });

  it('4: while activating, "no decision" becomes min (usually 0) and waits', () => {
    expect(computeScale(input({ desiredScale: -1, pa: pa('Unknown', s(1000), false) }))).toEqual({
      want: -1,
      apply: false,
      waiting: 'activating',
    });
    expect(computeScale(input({ desiredScale: -1, minScale: 2, pa: pa('Unknown', s(1000), false) }))).toEqual({
      want: 2,
      apply: true,
    });
  });
});

describe('the scale-to-zero gate (Knative handleScaleToZero, kpa/scaler.go)', () => {
  it('1: scale-to-zero disabled keeps one instance', () => {
    expect(computeScale(input({ enableScaleToZero: false }))).toEqual({ want: 1, apply: true });
  });

  it('3: activating longer than the activation timeout gives up to zero; before that waits', () => {
    expect(computeScale(input({ pa: pa('Unknown', s(1000) - s(631)) }))).toEqual({ want: 0, apply: true });
    expect(computeScale(input({ pa: pa('Unknown', s(1000) - s(630)) })).apply).toBe(false);
  });

  it('4: active for a stable window → want 0 without applying (marks Inactive); less → keep 1', () => {
    expect(computeScale(input({ pa: pa('True', s(940)) }))).toEqual({
      want: 0,
      apply: false,
      waiting: 'active-window',
    });
    expect(computeScale(input({ pa: pa('True', s(941)) }))).toEqual({ want: 1, apply: true });
  });

  it('5a: inactive but the activator not confirmed in path → wait (TBC −1 needs no probe)', () => {
    expect(computeScale(input({ pa: pa('False', 0), activatorInPath: false }))).toEqual({
      want: 0,
      apply: false,
      waiting: 'probe',
    });
    expect(computeScale(input({ pa: pa('False', 0), activatorInPath: false, targetBurstCapacity: -1 }))).toEqual({
      want: 0,
      apply: true,
    });
  });

  it('5c: inactive for max(grace, retention) → zero', () => {
    expect(computeScale(input({ pa: pa('False', s(970)), proxySince: s(990) }))).toEqual({ want: 0, apply: true });
    expect(computeScale(input({ pa: pa('False', s(971)), proxySince: s(990) }))).toEqual({
      want: 0,
      apply: false,
      waiting: 'grace',
    });
  });

  it('5d: a pod-retention period holds the last instance; ignored when unreachable', () => {
    const r = { scaleToZeroPodRetentionPeriodSeconds: 120, proxySince: 0 };
    expect(computeScale(input({ ...r, pa: pa('False', s(900)) }))).toEqual({
      want: 0,
      apply: false,
      waiting: 'retention',
    });
    expect(computeScale(input({ ...r, pa: pa('False', s(880)) }))).toEqual({ want: 0, apply: true });
    expect(computeScale(input({ ...r, pa: pa('False', s(990)), reachable: false }))).toEqual({ want: 0, apply: true });
  });

  it('5e: fast path when the activator has been in the path for the grace period', () => {
    expect(computeScale(input({ pa: pa('False', s(999)), proxySince: s(970) }))).toEqual({ want: 0, apply: true });
    expect(computeScale(input({ pa: pa('False', s(999)), proxySince: s(971) })).apply).toBe(false);
    expect(computeScale(input({ pa: pa('False', s(999)), sksMode: 'Serve', proxySince: undefined })).apply).toBe(false);
  });
});

describe('SKS mode and activators (Knative kpa/kpa.go)', () => {
  it('Serve only with a positive want and non-negative EBC', () => {
    expect(sksMode(3, 0)).toBe('Serve');
    expect(sksMode(3, -1)).toBe('Proxy');
    expect(sksMode(0, 100)).toBe('Proxy');
    expect(sksMode(-1, 100)).toBe('Proxy');
  });

  it('numActivators: 2 with TBC 0, else max(2, ceil((ready × total + TBC) / capacity))', () => {
    expect(numActivators(15, { targetBurstCapacity: 200, totalValue: 100, activatorCapacity: 100 })).toBe(17);
    expect(numActivators(0, { targetBurstCapacity: 211, totalValue: 100, activatorCapacity: 100 })).toBe(3);
    expect(numActivators(50, { targetBurstCapacity: 0, totalValue: 100, activatorCapacity: 100 })).toBe(2);
    expect(numActivators(0, { targetBurstCapacity: -1, totalValue: 100, activatorCapacity: 100 })).toBe(2);
  });
});

describe('PA Active condition (Knative computeActiveCondition, kpa/kpa.go)', () => {
  const c = (
    p: PAState,
    want: number,
    ready: number,
    o: { minScale?: number; initialScale?: number; now?: number } = {},
  ) =>
    computeActiveCondition(p, {
      now: o.now ?? s(10),
      want,
      ready,
      minScale: o.minScale ?? 0,
      initialScale: o.initialScale ?? 1,
    });

  it('a new PA is Activating/Queued until initial scale is ready, then Active', () => {
    let p = c(newPAState(0), -1, 0);
    expect(p).toMatchObject({ active: 'Unknown', activeReason: 'Queued', scaleTargetInitialized: false });
    p = c(p, -1, 1, { now: s(12) });
    expect(p).toMatchObject({ active: 'True', scaleTargetInitialized: true, activeSince: s(12), actualScale: 1 });
    expect(p.desiredScale).toBe(-1);
  });

  it('want 0 → Inactive NoTraffic; TimedOut when giving up activation', () => {
    expect(c(pa('True', 0), 0, 1)).toMatchObject({
      active: 'False',
      activeReason: 'NoTraffic',
      activeMessage: 'The target is not receiving traffic.',
      activeSince: s(10),
    });
    expect(c(pa('Unknown', 0), 0, 0)).toMatchObject({ active: 'False', activeReason: 'TimedOut' });
  });

  it('from Inactive, a positive want activates; no want stays Inactive', () => {
    expect(c(pa('False', 0), 1, 0)).toMatchObject({ active: 'Unknown', activeReason: 'Queued' });
    expect(c(pa('False', 0), -1, 0)).toMatchObject({ active: 'False', activeReason: 'NoTraffic' });
    expect(c(pa('False', 0), 1, 1)).toMatchObject({ active: 'True' });
  });

  it('initial-scale 0: minReady 0 → Inactive from the start', () => {
    expect(c(newPAState(0), -1, 0, { initialScale: 0 })).toMatchObject({ active: 'False', activeReason: 'NoTraffic' });
  });

  it('status.desiredScale is not overwritten by −1 once known', () => {
    const p = c(pa('True', 0), 3, 3);
    expect(c(p, -1, 3).desiredScale).toBe(3);
  });

  it('writes Knative conditions and reads them back', () => {
    const p = c(pa('True', 0), 0, 1);
    const st = paStatusFor(p, { now: s(10), serviceName: 'hello-00001' });
    expect(st.conditions?.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NoTraffic' });
    expect(st).toMatchObject({ desiredScale: 0, actualScale: 1, serviceName: 'hello-00001' });
    const back = paStateFromStatus(st, s(99));
    expect(back).toMatchObject({ active: 'False', activeSince: s(10), scaleTargetInitialized: true, desiredScale: 0 });
    const again = paStatusFor(p, { now: s(50), serviceName: 'hello-00001', prev: st.conditions });
    expect(again).toEqual(st);
  });
});
