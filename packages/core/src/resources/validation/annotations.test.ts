import { describe, expect, it } from 'vitest';
import { expectProblems } from '../../../test-support/validation.js';
import { Errs } from './errors.js';
import {
  getAnnotation,
  readAutoscalingAnnotations,
  readProgressDeadline,
  validateTemplateAnnotations,
  type AutoscalerValidationConfig,
} from './annotations.js';

const P = 'spec.template.metadata.annotations';
const A = 'autoscaling.knative.dev/';

function check(anns: Record<string, string>, cfg?: Partial<AutoscalerValidationConfig>) {
  const errs = new Errs();
  readAutoscalingAnnotations(anns, P, errs, cfg);
  validateTemplateAnnotations(anns, P, errs);
  return errs.problems;
}

interface Case {
  name: string;
  anns: Record<string, string>;
  want: string[];
  msg?: string;
  cfg?: Partial<AutoscalerValidationConfig>;
}

const k = (key: string) => `${P}.${A}${key}`;

const cases: Case[] = [
  { name: 'empty', anns: {}, want: [] },
  { name: 'class kpa', anns: { [`${A}class`]: 'kpa.autoscaling.knative.dev' }, want: [] },
  { name: 'class hpa', anns: { [`${A}class`]: 'hpa.autoscaling.knative.dev' }, want: [] },
  {
    name: 'class other knative.dev',
    anns: { [`${A}class`]: 'foo.autoscaling.knative.dev' },
    want: [k('class')],
    msg: 'invalid value: foo.autoscaling.knative.dev',
  },
  { name: 'class other domain allowed', anns: { [`${A}class`]: 'custom.example.com' }, want: [] },
  { name: 'metric concurrency', anns: { [`${A}metric`]: 'concurrency' }, want: [] },
  { name: 'metric rps', anns: { [`${A}metric`]: 'rps' }, want: [] },
  { name: 'metric cpu on kpa', anns: { [`${A}metric`]: 'cpu' }, want: [k('metric')], msg: 'invalid value: cpu' },
  {
    name: 'metric cpu on hpa',
    anns: { [`${A}class`]: 'hpa.autoscaling.knative.dev', [`${A}metric`]: 'cpu' },
    want: [],
  },
  {
    name: 'metric memory on hpa',
    anns: { [`${A}class`]: 'hpa.autoscaling.knative.dev', [`${A}metric`]: 'memory' },
    want: [],
  },
  {
    name: 'metric custom on hpa',
    anns: { [`${A}class`]: 'hpa.autoscaling.knative.dev', [`${A}metric`]: 'queue-depth' },
    want: [],
  },
  {
    name: 'metric empty on hpa',
    anns: { [`${A}class`]: 'hpa.autoscaling.knative.dev', [`${A}metric`]: '' },
    want: [k('metric')],
  },
  {
    name: 'metric rps with cluster class hpa',
    anns: { [`${A}metric`]: 'rps' },
    cfg: { podAutoscalerClass: 'hpa.autoscaling.knative.dev' },
    want: [],
  },
  {
    name: 'metric anything on custom class',
    anns: { [`${A}class`]: 'x.example.com', [`${A}metric`]: 'foo' },
    want: [],
  },
  { name: 'target ok', anns: { [`${A}target`]: '0.01' }, want: [] },
  { name: 'target too small', anns: { [`${A}target`]: '0.001' }, want: [k('target')], msg: 'invalid value: 0.001' },
  { name: 'target not a number', anns: { [`${A}target`]: 'ten' }, want: [k('target')] },
  { name: 'tup 1', anns: { [`${A}target-utilization-percentage`]: '1' }, want: [] },
  { name: 'tup 100', anns: { [`${A}target-utilization-percentage`]: '100' }, want: [] },
  {
    name: 'tup 0',
    anns: { [`${A}target-utilization-percentage`]: '0' },
    want: [k('target-utilization-percentage')],
    msg: 'expected 1 <= 0 <= 100',
  },
  {
    name: 'tup 101',
    anns: { [`${A}target-utilization-percentage`]: '101' },
    want: [k('target-utilization-percentage')],
  },
  {
    name: 'tup camelCase alias',
    anns: { [`${A}targetUtilizationPercentage`]: '101' },
    want: [k('targetUtilizationPercentage')],
  },
  { name: 'window 6s', anns: { [`${A}window`]: '6s' }, want: [] },
  { name: 'window 1h', anns: { [`${A}window`]: '1h' }, want: [] },
  { name: 'window 5s', anns: { [`${A}window`]: '5s' }, want: [k('window')], msg: 'expected 6s <= 5s <= 1h0m0s' },
  { name: 'window 61m', anns: { [`${A}window`]: '61m' }, want: [k('window')] },
  {
    name: 'window sub-second',
    anns: { [`${A}window`]: '6500ms' },
    want: [k('window')],
    msg: 'must be specified with at most second precision',
  },
  { name: 'window not a duration', anns: { [`${A}window`]: '60' }, want: [k('window')], msg: 'invalid value: 60' },
  { name: 'panic window 1', anns: { [`${A}panic-window-percentage`]: '1' }, want: [] },
  {
    name: 'panic window 0.5',
    anns: { [`${A}panic-window-percentage`]: '0.5' },
    want: [k('panic-window-percentage')],
    msg: 'expected 1 <= 0.5 <= 100',
  },
  { name: 'panic window 101', anns: { [`${A}panic-window-percentage`]: '101' }, want: [k('panic-window-percentage')] },
  { name: 'panic threshold 110', anns: { [`${A}panic-threshold-percentage`]: '110' }, want: [] },
  { name: 'panic threshold 1000', anns: { [`${A}panic-threshold-percentage`]: '1000' }, want: [] },
  {
    name: 'panic threshold 109',
    anns: { [`${A}panic-threshold-percentage`]: '109' },
    want: [k('panic-threshold-percentage')],
    msg: 'expected 110 <= 109 <= 1000',
  },
  {
    name: 'panic threshold 1001',
    anns: { [`${A}panic-threshold-percentage`]: '1001' },
    want: [k('panic-threshold-percentage')],
  },
  { name: 'min-scale 0', anns: { [`${A}min-scale`]: '0' }, want: [] },
  {
    name: 'min-scale negative',
    anns: { [`${A}min-scale`]: '-1' },
    want: [k('min-scale')],
    msg: 'expected 0 <= -1 <= 2147483647',
  },
  { name: 'min-scale not int', anns: { [`${A}min-scale`]: '1.5' }, want: [k('min-scale')], msg: 'invalid value: 1.5' },
  {
    name: 'min-scale overflow',
    anns: { [`${A}min-scale`]: '3000000000' },
    want: [k('min-scale')],
    msg: 'expected 0 <= 3000000000',
  },
  { name: 'minScale alias', anns: { [`${A}minScale`]: 'x' }, want: [k('minScale')] },
  { name: 'canonical key wins over alias', anns: { [`${A}min-scale`]: '1', [`${A}minScale`]: 'x' }, want: [] },
  { name: 'max-scale 0 unlimited', anns: { [`${A}max-scale`]: '0', [`${A}min-scale`]: '3' }, want: [] },
  {
    name: 'max < min',
    anns: { [`${A}max-scale`]: '2', [`${A}min-scale`]: '3' },
    want: [k('max-scale'), k('min-scale')],
    msg: 'max-scale=2 is less than min-scale=3',
  },
  {
    name: 'max-scale over limit',
    anns: { [`${A}max-scale`]: '11' },
    cfg: { maxScaleLimit: 10 },
    want: [k('max-scale')],
    msg: 'expected 1 <= 11 <= 10',
  },
  {
    name: 'max-scale 0 with limit',
    anns: { [`${A}max-scale`]: '0' },
    cfg: { maxScaleLimit: 10 },
    want: [k('max-scale')],
    msg: 'max-scale=0 (unlimited), must be less than 10',
  },
  { name: 'max-scale within limit', anns: { [`${A}max-scale`]: '10' }, cfg: { maxScaleLimit: 10 }, want: [] },
  { name: 'initial-scale 1', anns: { [`${A}initial-scale`]: '1' }, want: [] },
  {
    name: 'initial-scale 0 not allowed',
    anns: { [`${A}initial-scale`]: '0' },
    want: [k('initial-scale')],
    msg: 'invalid value: 0',
  },
  {
    name: 'initial-scale 0 allowed by config',
    anns: { [`${A}initial-scale`]: '0' },
    cfg: { allowZeroInitialScale: true },
    want: [],
  },
  {
    name: 'initial-scale negative',
    anns: { [`${A}initial-scale`]: '-2' },
    cfg: { allowZeroInitialScale: true },
    want: [k('initial-scale')],
  },
  { name: 'activation-scale 2', anns: { [`${A}activation-scale`]: '2' }, want: [] },
  {
    name: 'activation-scale 1',
    anns: { [`${A}activation-scale`]: '1' },
    want: [k('activation-scale')],
    msg: 'expected 2 <= 1 <= 2147483647',
  },
  {
    name: 'activation-scale above max',
    anns: { [`${A}activation-scale`]: '5', [`${A}max-scale`]: '3' },
    want: [k('activation-scale'), k('max-scale')],
    msg: 'max-scale=3 is less than activation-scale=5',
  },
  {
    name: 'activation-scale below min',
    anns: { [`${A}activation-scale`]: '2', [`${A}min-scale`]: '3' },
    want: [k('activation-scale'), k('min-scale')],
    msg: 'min-scale=3 is greater than activation-scale=2',
  },
  { name: 'scale-down-delay 0s', anns: { [`${A}scale-down-delay`]: '0s' }, want: [] },
  { name: 'scale-down-delay 1h', anns: { [`${A}scale-down-delay`]: '1h' }, want: [] },
  {
    name: 'scale-down-delay over 1h',
    anns: { [`${A}scale-down-delay`]: '1h1s' },
    want: [k('scale-down-delay')],
    msg: 'expected 0s <= 1h1s <= 1h0m0s',
  },
  { name: 'scale-down-delay negative', anns: { [`${A}scale-down-delay`]: '-1s' }, want: [k('scale-down-delay')] },
  {
    name: 'scale-down-delay sub-second',
    anns: { [`${A}scale-down-delay`]: '1.5s' },
    want: [k('scale-down-delay')],
    msg: 'second precision',
  },
  { name: 'retention 30m', anns: { [`${A}scale-to-zero-pod-retention-period`]: '30m' }, want: [] },
  {
    name: 'retention over 1h',
    anns: { [`${A}scale-to-zero-pod-retention-period`]: '2h' },
    want: [k('scale-to-zero-pod-retention-period')],
  },
  {
    name: 'retention bad',
    anns: { [`${A}scale-to-zero-pod-retention-period`]: 'forever' },
    want: [k('scale-to-zero-pod-retention-period')],
  },
  { name: 'tbc -1', anns: { [`${A}target-burst-capacity`]: '-1' }, want: [] },
  { name: 'tbc 0', anns: { [`${A}target-burst-capacity`]: '0' }, want: [] },
  { name: 'tbc 211.5', anns: { [`${A}target-burst-capacity`]: '211.5' }, want: [] },
  {
    name: 'tbc -2',
    anns: { [`${A}target-burst-capacity`]: '-2' },
    want: [k('target-burst-capacity')],
    msg: 'invalid value: -2',
  },
  { name: 'algorithm linear', anns: { [`${A}metric-aggregation-algorithm`]: 'linear' }, want: [] },
  { name: 'algorithm weighted', anns: { [`${A}metric-aggregation-algorithm`]: 'weighted-exponential' }, want: [] },
  {
    name: 'algorithm bad on kpa',
    anns: { [`${A}metric-aggregation-algorithm`]: 'median' },
    want: [k('metric-aggregation-algorithm')],
  },
  {
    name: 'algorithm not checked on hpa',
    anns: { [`${A}class`]: 'hpa.autoscaling.knative.dev', [`${A}metric-aggregation-algorithm`]: 'median' },
    want: [],
  },
  { name: 'unknown autoscaling annotation ignored', anns: { [`${A}whatever`]: 'x' }, want: [] },
  {
    name: 'networking visibility annotation rejected',
    anns: { 'networking.knative.dev/visibility': 'cluster-local' },
    want: [P],
    msg: 'invalid key name "networking.knative.dev/visibility"',
  },
  { name: 'networking ingress.class allowed', anns: { 'networking.knative.dev/ingress.class': 'kourier' }, want: [] },
  {
    name: 'queue sidecar cpu quantity',
    anns: { 'queue.sidecar.serving.knative.dev/cpu-resource-request': '25m' },
    want: [],
  },
  {
    name: 'queue sidecar bad quantity',
    anns: { 'queue.sidecar.serving.knative.dev/memory-resource-limit': 'much' },
    want: [`${P}.queue.sidecar.serving.knative.dev/memory-resource-limit`],
  },
  {
    name: 'queue resource-percentage out of range',
    anns: { 'queue.sidecar.serving.knative.dev/resource-percentage': '0.01' },
    want: [`${P}.queue.sidecar.serving.knative.dev/resource-percentage`],
    msg: 'expected 0.1 <= 0.01 <= 100',
  },
  { name: 'progress-deadline ok', anns: { 'serving.knative.dev/progress-deadline': '120s' }, want: [] },
  {
    name: 'progress-deadline sub-second',
    anns: { 'serving.knative.dev/progress-deadline': '1.5s' },
    want: [`${P}.serving.knative.dev/progress-deadline`],
    msg: 'progress-deadline=1.5s is not at second precision',
  },
  {
    name: 'several problems at once',
    anns: { [`${A}min-scale`]: '-1', [`${A}window`]: '1s', [`${A}target`]: '0' },
    want: [k('min-scale'), k('window'), k('target')],
  },
];

describe('autoscaling and template annotations', () => {
  it.each(cases)('$name', ({ anns, want, msg, cfg }) => expectProblems(check(anns, cfg), want, msg));

  it('getAnnotation prefers the canonical spelling', () => {
    expect(getAnnotation({ [`${A}minScale`]: '1', [`${A}min-scale`]: '2' }, 'minScale')).toEqual({
      key: `${A}min-scale`,
      value: '2',
    });
    expect(getAnnotation({ [`${A}minScale`]: '1' }, 'minScale')).toEqual({ key: `${A}minScale`, value: '1' });
    expect(getAnnotation({}, 'minScale')).toBeUndefined();
  });
});

describe('readAutoscalingAnnotations (what the autoscaler uses)', () => {
  const read = (anns: Record<string, string>, cfg?: Partial<AutoscalerValidationConfig>) => {
    const errs = new Errs();
    return { values: readAutoscalingAnnotations(anns, 'metadata.annotations', errs, cfg), problems: errs.problems };
  };

  it('reads every annotation, durations in seconds', () => {
    const { values, problems } = read({
      [`${A}class`]: 'kpa.autoscaling.knative.dev',
      [`${A}metric`]: 'rps',
      [`${A}target`]: '42.5',
      [`${A}target-utilization-percentage`]: '80',
      [`${A}window`]: '2m',
      [`${A}panic-window-percentage`]: '25',
      [`${A}panic-threshold-percentage`]: '150',
      [`${A}min-scale`]: '1',
      [`${A}max-scale`]: '9',
      [`${A}initial-scale`]: '3',
      [`${A}scale-down-delay`]: '30s',
      [`${A}activation-scale`]: '3',
      [`${A}target-burst-capacity`]: '-1',
      [`${A}scale-to-zero-pod-retention-period`]: '1m30s',
      [`${A}metric-aggregation-algorithm`]: 'weightedExponential',
      'unrelated/annotation': 'x',
    });
    expect(problems).toEqual([]);
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
    });
  });

  it('takes the new spelling over the old camelCase one', () => {
    expect(read({ [`${A}minScale`]: '2', [`${A}maxScale`]: '5', [`${A}max-scale`]: '4' }).values).toEqual({
      minScale: 2,
      maxScale: 4,
    });
  });

  it('leaves out what it reports: max below min, over the cluster limit, activation out of range, bad durations', () => {
    expect(read({ [`${A}min-scale`]: '3', [`${A}max-scale`]: '2' }).values).toEqual({ minScale: 3 });
    expect(read({ [`${A}max-scale`]: '11' }, { maxScaleLimit: 10 }).values).toEqual({});
    expect(read({ [`${A}activation-scale`]: '5', [`${A}max-scale`]: '4' }).values).toEqual({ maxScale: 4 });
    const r = read({ [`${A}window`]: '6500ms', [`${A}target`]: '0.001', [`${A}initial-scale`]: '0' });
    expect(r.values).toEqual({});
    expect(r.problems.map((x) => x.path)).toEqual(
      expect.arrayContaining([
        `metadata.annotations.${A}window`,
        `metadata.annotations.${A}target`,
        `metadata.annotations.${A}initial-scale`,
      ]),
    );
    expect(read({ [`${A}initial-scale`]: '0' }, { allowZeroInitialScale: true }).values).toEqual({ initialScale: 0 });
  });

  it('reads progress-deadline in seconds', () => {
    const errs = new Errs();
    expect(readProgressDeadline({ 'serving.knative.dev/progress-deadline': '45s' }, 'metadata.annotations', errs)).toBe(
      45,
    );
    expect(
      readProgressDeadline({ 'serving.knative.dev/progress-deadline': '1.5s' }, 'metadata.annotations', errs),
    ).toBeUndefined();
    expect(errs.problems).toHaveLength(1);
  });
});
