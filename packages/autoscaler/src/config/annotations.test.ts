import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOSCALER_CONFIG } from './autoscaler-config.js';
import { readAutoscalingAnnotations, rejectAutoscalingAnnotationsOnParent, validateAutoscalingAnnotations } from './annotations.js';

const A = (k: string) => `autoscaling.knative.dev/${k}`;
const cfg = DEFAULT_AUTOSCALER_CONFIG;

describe('autoscaling annotations (kpa-spec §3)', () => {
  it('reads every annotation', () => {
    const { values, errors } = readAutoscalingAnnotations(
      {
        [A('class')]: 'kpa.autoscaling.knative.dev',
        [A('metric')]: 'rps',
        [A('target')]: '42.5',
        [A('target-utilization-percentage')]: '80',
        [A('window')]: '2m',
        [A('panic-window-percentage')]: '25',
        [A('panic-threshold-percentage')]: '150',
        [A('min-scale')]: '1',
        [A('max-scale')]: '9',
        [A('initial-scale')]: '3',
        [A('scale-down-delay')]: '30s',
        [A('activation-scale')]: '3',
        [A('target-burst-capacity')]: '-1',
        [A('scale-to-zero-pod-retention-period')]: '1m30s',
        [A('metric-aggregation-algorithm')]: 'weightedExponential',
        'serving.knative.dev/progress-deadline': '45s',
        'unrelated/annotation': 'x',
      },
      cfg,
    );
    expect(errors.empty).toBe(true);
    expect(values).toEqual({
      class: 'kpa.autoscaling.knative.dev',
      metric: 'rps',
      target: 42.5,
      targetUtilizationPercentage: 80,
      window: 120,
      panicWindowPercentage: 25,
      panicThresholdPercentage: 150,
      minScale: 1,
      maxScale: 9,
      initialScale: 3,
      scaleDownDelay: 30,
      activationScale: 3,
      targetBurstCapacity: -1,
      scaleToZeroPodRetentionPeriod: 90,
      metricAggregationAlgorithm: 'weighted-exponential',
      progressDeadline: 45,
    });
  });

  it('accepts the old camelCase spellings, the new one winning', () => {
    const { values } = readAutoscalingAnnotations({ [A('minScale')]: '2', [A('maxScale')]: '5', [A('max-scale')]: '4' }, cfg);
    expect(values).toMatchObject({ minScale: 2, maxScale: 4 });
  });

  it.each([
    [{ [A('class')]: 'foo.knative.dev' }, A('class')],
    [{ [A('metric')]: 'cpu' }, A('metric')],
    [{ [A('class')]: 'hpa.autoscaling.knative.dev', [A('metric')]: '' }, A('metric')],
    [{ [A('target')]: '0.001' }, A('target')],
    [{ [A('target')]: 'x' }, A('target')],
    [{ [A('target-utilization-percentage')]: '0.5' }, A('target-utilization-percentage')],
    [{ [A('target-utilization-percentage')]: '101' }, A('target-utilization-percentage')],
    [{ [A('window')]: '5s' }, A('window')],
    [{ [A('window')]: '6500ms' }, A('window')],
    [{ [A('window')]: '2h' }, A('window')],
    [{ [A('panic-window-percentage')]: '0' }, A('panic-window-percentage')],
    [{ [A('panic-threshold-percentage')]: '109' }, A('panic-threshold-percentage')],
    [{ [A('panic-threshold-percentage')]: '1001' }, A('panic-threshold-percentage')],
    [{ [A('min-scale')]: '-1' }, A('min-scale')],
    [{ [A('min-scale')]: '1.5' }, A('min-scale')],
    [{ [A('max-scale')]: '3000000000' }, A('max-scale')],
    [{ [A('min-scale')]: '3', [A('max-scale')]: '2' }, A('max-scale')],
    [{ [A('initial-scale')]: '0' }, A('initial-scale')],
    [{ [A('initial-scale')]: '-1' }, A('initial-scale')],
    [{ [A('activation-scale')]: '1' }, A('activation-scale')],
    [{ [A('activation-scale')]: '2', [A('min-scale')]: '3' }, A('activation-scale')],
    [{ [A('activation-scale')]: '5', [A('max-scale')]: '4' }, A('activation-scale')],
    [{ [A('scale-down-delay')]: '-1s' }, A('scale-down-delay')],
    [{ [A('scale-down-delay')]: '1h1s' }, A('scale-down-delay')],
    [{ [A('scale-down-delay')]: '1.5s' }, A('scale-down-delay')],
    [{ [A('scale-to-zero-pod-retention-period')]: '2h' }, A('scale-to-zero-pod-retention-period')],
    [{ [A('target-burst-capacity')]: '-2' }, A('target-burst-capacity')],
    [{ [A('metric-aggregation-algorithm')]: 'median' }, A('metric-aggregation-algorithm')],
    [{ 'serving.knative.dev/progress-deadline': '1.5s' }, 'serving.knative.dev/progress-deadline'],
  ])('rejects %j naming the key', (anns, key) => {
    const err = validateAutoscalingAnnotations(anns, cfg);
    expect(err?.problems[0]?.path).toContain(key);
  });

  it('checks max-scale against the cluster max-scale-limit', () => {
    const limited = { ...cfg, maxScaleLimit: 10 };
    expect(validateAutoscalingAnnotations({ [A('max-scale')]: '11' }, limited)?.message).toMatch(/max-scale/);
    expect(validateAutoscalingAnnotations({ [A('max-scale')]: '0' }, limited)?.message).toMatch(/unlimited/);
    expect(validateAutoscalingAnnotations({ [A('max-scale')]: '10' }, limited)).toBeUndefined();
  });

  it('allows initial-scale 0 when the cluster does', () => {
    expect(validateAutoscalingAnnotations({ [A('initial-scale')]: '0' }, { ...cfg, allowZeroInitialScale: true })).toBeUndefined();
  });

  it('leaves other autoscaler classes and domains alone', () => {
    expect(validateAutoscalingAnnotations({ [A('class')]: 'example.com/custom', [A('metric')]: 'whatever', [A('metric-aggregation-algorithm')]: 'x' }, cfg)).toBeUndefined();
  });

  it('rejects autoscaling annotations on Service/Configuration/Route metadata', () => {
    expect(rejectAutoscalingAnnotationsOnParent({ [A('min-scale')]: '1' })?.problems[0]?.path).toBe(`metadata.annotations.${A('min-scale')}`);
    expect(rejectAutoscalingAnnotationsOnParent({ 'other/x': '1' })).toBeUndefined();
  });
});
