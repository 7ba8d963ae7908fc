import type { Revision } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOSCALER_CONFIG, parseAutoscalerConfig } from '../config/autoscaler-config.js';
import { deciderSpecFor, panicWindowSeconds, revisionAutoscaling } from './spec.js';

const A = (k: string) => `autoscaling.knative.dev/${k}`;
const rev = (cc: number | undefined, annotations: Record<string, string> = {}): Revision => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: { name: 'hello-00001', namespace: 'default', annotations },
  spec: {
    containers: [{ image: 'node', command: ['node', 'server.js'] }],
    ...(cc === undefined ? {} : { containerConcurrency: cc }),
  },
});
const cfg = { ...DEFAULT_AUTOSCALER_CONFIG };
// The revisions above are process revisions: Knative's container semantics, containerConcurrency as declared.
const wasmRev = (cc: number | undefined): Revision => ({
  ...rev(cc),
  spec: { containers: [{ image: 'hello.wasm@sha256:00' }], ...(cc === undefined ? {} : { containerConcurrency: cc }) },
});

describe('decider parameters (Knative MakeDecider, kpa/resources/decider.go)', () => {
  it('1–4: CC=0 → total 100, target 70; CC=10 → 10 / 7; rps → 200 / 140', () => {
    expect(deciderSpecFor(rev(0), cfg)).toMatchObject({
      scalingMetric: 'concurrency',
      totalValue: 100,
      targetValue: 70,
    });
    expect(deciderSpecFor(rev(undefined), cfg)).toMatchObject({ totalValue: 100, targetValue: 70 });
    const cc10 = deciderSpecFor(rev(10), cfg);
    expect(cc10.totalValue).toBe(10);
    expect(cc10.targetValue).toBeCloseTo(7, 9);
    expect(deciderSpecFor(rev(0, { [A('metric')]: 'rps' }), cfg)).toMatchObject({
      scalingMetric: 'rps',
      totalValue: 200,
    });
    expect(deciderSpecFor(rev(0, { [A('metric')]: 'rps' }), cfg).targetValue).toBeCloseTo(140, 9);
  });

  it('a WebAssembly revision is sized by its containerConcurrency, as Knative sizes a pod (50 in flight, cc 10 → 8 replicas)', () => {
    const d = deciderSpecFor(wasmRev(10), cfg);
    expect(d.totalValue).toBe(10);
    expect(d.targetValue).toBeCloseTo(7, 9);
    expect(Math.ceil(50 / d.targetValue)).toBe(8);
    // 0 = unlimited: Knative's container-concurrency-target-default (100) applies.
    expect(deciderSpecFor(wasmRev(0), cfg).totalValue).toBe(100);
    expect(deciderSpecFor(wasmRev(undefined), cfg).totalValue).toBe(100);
  });

  it('2: a target annotation replaces the total, but never above a hard containerConcurrency', () => {
    expect(deciderSpecFor(rev(0, { [A('target')]: '50' }), cfg)).toMatchObject({ totalValue: 50, targetValue: 35 });
    expect(deciderSpecFor(rev(10, { [A('target')]: '50' }), cfg).totalValue).toBe(10);
    expect(deciderSpecFor(rev(10, { [A('target')]: '5' }), cfg).totalValue).toBe(5);
    expect(deciderSpecFor(rev(10, { [A('target')]: '50', [A('metric')]: 'rps' }), cfg).totalValue).toBe(50);
  });

  it('3/4: utilization from the annotation, the config, and a 0.01 floor', () => {
    expect(deciderSpecFor(rev(0, { [A('target-utilization-percentage')]: '50' }), cfg).targetValue).toBe(50);
    expect(
      deciderSpecFor(rev(0), parseAutoscalerConfig({ 'container-concurrency-target-percentage': '90' })).targetValue,
    ).toBeCloseTo(90, 9);
    expect(
      deciderSpecFor(rev(1, { [A('target')]: '0.01', [A('target-utilization-percentage')]: '1' }), cfg).targetValue,
    ).toBe(0.01);
  });

  it('5–8, 10–12: threshold ratio, window, TBC, delay, activation scale, rates, activator capacity', () => {
    const d = deciderSpecFor(
      rev(0, {
        [A('panic-threshold-percentage')]: '150',
        [A('window')]: '30s',
        [A('target-burst-capacity')]: '-1',
        [A('scale-down-delay')]: '10s',
        [A('activation-scale')]: '3',
      }),
      parseAutoscalerConfig({ 'max-scale-up-rate': '5', 'max-scale-down-rate': '3', 'activator-capacity': '50' }),
    );
    expect(d).toEqual({
      scalingMetric: 'concurrency',
      targetValue: 70,
      totalValue: 100,
      targetBurstCapacity: -1,
      panicThreshold: 1.5,
      maxScaleUpRate: 5,
      maxScaleDownRate: 3,
      activatorCapacity: 50,
      stableWindowSeconds: 30,
      scaleDownDelaySeconds: 10,
      reachable: true,
      activationScale: 3,
    });
    expect(deciderSpecFor(rev(0), cfg)).toMatchObject({
      panicThreshold: 2,
      stableWindowSeconds: 60,
      targetBurstCapacity: 211,
      scaleDownDelaySeconds: 0,
      activationScale: 0,
    });
  });

  it('6: panic window = stable × % rounded half away from zero, at least 1 s', () => {
    expect(panicWindowSeconds(60, 10)).toBe(6);
    expect(panicWindowSeconds(60, 51)).toBe(31);
    expect(panicWindowSeconds(10, 10)).toBe(1);
    expect(panicWindowSeconds(6, 1)).toBe(1);
    expect(panicWindowSeconds(50, 5)).toBe(3); // 2.5 → 3
    expect(revisionAutoscaling(rev(0, { [A('panic-window-percentage')]: '51' }), cfg).panicWindowSeconds).toBe(31);
  });

  it('9: initial scale from the annotation only when non-zero or zero is allowed', () => {
    expect(revisionAutoscaling(rev(0, { [A('initial-scale')]: '3' }), cfg).initialScale).toBe(3);
    expect(revisionAutoscaling(rev(0, { [A('initial-scale')]: '0' }), cfg).initialScale).toBe(1);
    expect(
      revisionAutoscaling(rev(0, { [A('initial-scale')]: '0' }), { ...cfg, allowZeroInitialScale: true }).initialScale,
    ).toBe(0);
    expect(revisionAutoscaling(rev(0), { ...cfg, initialScale: 2 }).initialScale).toBe(2);
  });

  it('11: only Unreachable makes a revision unreachable', () => {
    expect(deciderSpecFor(rev(0), cfg, { reachability: 'Unreachable' }).reachable).toBe(false);
    expect(deciderSpecFor(rev(0), cfg, { reachability: 'Reachable' }).reachable).toBe(true);
    expect(deciderSpecFor(rev(0), cfg, { reachability: '' }).reachable).toBe(true);
  });

  it('scaler settings: bounds, retention, activation timeout = progress deadline + 30 s; bad annotations ignored and reported', () => {
    const r = revisionAutoscaling(
      rev(0, {
        [A('min-scale')]: '1',
        [A('max-scale')]: '4',
        [A('scale-to-zero-pod-retention-period')]: '1m',
        'serving.knative.dev/progress-deadline': '20s',
        [A('window')]: '1s',
      }),
      cfg,
    );
    expect(r).toMatchObject({
      minScale: 1,
      maxScale: 4,
      scaleToZeroPodRetentionPeriod: 60,
      activationTimeoutSeconds: 50,
    });
    expect(r.decider.stableWindowSeconds).toBe(60);
    expect(r.problems).toEqual([expect.stringContaining(A('window'))]);
    expect(revisionAutoscaling(rev(0), cfg).activationTimeoutSeconds).toBe(630);
  });
});
