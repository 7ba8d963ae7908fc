import { describe, expect, it } from 'vitest';
import { thrownProblems } from '../../test-support/validation.js';
import type { ConfigMap } from '../resources/types.js';
import { validateResource } from '../resources/validation.js';
import { DEFAULT_AUTOSCALER_CONFIG, parseAutoscalerConfig } from './autoscaler-config.js';

const problems = (data: Record<string, string>) => thrownProblems(() => parseAutoscalerConfig(data)).map((p) => p.path);

// The ranges of Knative's validate() (pkg/autoscaler/config/config.go), one value past each edge.
const REFUSED: [string, Record<string, string>][] = [
  ['scale-to-zero-grace-period', { 'scale-to-zero-grace-period': '-1s' }],
  ['scale-to-zero-grace-period', { 'scale-to-zero-grace-period': 'soon' }],
  ['scale-down-delay', { 'scale-down-delay': '-1s' }],
  ['scale-down-delay', { 'scale-down-delay': '2500ms' }],
  ['scale-to-zero-pod-retention-period', { 'scale-to-zero-pod-retention-period': '-1s' }],
  ['target-burst-capacity', { 'target-burst-capacity': '-5' }],
  ['target-burst-capacity', { 'target-burst-capacity': '-1.5' }],
  ['container-concurrency-target-percentage', { 'container-concurrency-target-percentage': '-3' }],
  ['container-concurrency-target-percentage', { 'container-concurrency-target-percentage': '100.5' }],
  ['container-concurrency-target-default', { 'container-concurrency-target-default': '0' }],
  ['requests-per-second-target-default', { 'requests-per-second-target-default': '0' }],
  ['activator-capacity', { 'activator-capacity': '0' }],
  ['max-scale-up-rate', { 'max-scale-up-rate': '0.5' }],
  ['max-scale-up-rate', { 'max-scale-up-rate': '1e400' }],
  ['max-scale-down-rate', { 'max-scale-down-rate': '1' }],
  ['stable-window', { 'stable-window': '0s' }],
  ['stable-window', { 'stable-window': '2h' }],
  ['stable-window', { 'stable-window': '6.5s' }],
  ['panic-window-percentage', { 'panic-window-percentage': '-10' }],
  ['panic-window-percentage', { 'panic-window-percentage': '200' }],
  ['panic-threshold-percentage', { 'panic-threshold-percentage': '-1' }],
  ['panic-threshold-percentage', { 'panic-threshold-percentage': '109.9' }],
  ['panic-threshold-percentage', { 'panic-threshold-percentage': '1001' }],
  ['panic-threshold-percentage', { 'panic-threshold-percentage': 'x' }],
  ['initial-scale', { 'initial-scale': '0', 'allow-zero-initial-scale': 'false' }],
  ['min-scale', { 'min-scale': '-1' }],
  ['max-scale', { 'max-scale-limit': '5', 'max-scale': '6' }],
  ['max-scale-limit', { 'max-scale-limit': '-1' }],
  ['enable-scale-to-zero', { 'enable-scale-to-zero': 'maybe' }],
];

describe('parseAutoscalerConfig: the ranges Knative enforces', () => {
  it.each(REFUSED)('refuses %s in %j', (key, data) => {
    expect(problems(data)).toEqual([key]);
  });

  it('accepts each range edge', () => {
    const edges: Record<string, string>[] = [
      { 'panic-threshold-percentage': '110' },
      { 'panic-threshold-percentage': '1000' },
      { 'target-burst-capacity': '-1' },
      { 'container-concurrency-target-percentage': '100' },
      { 'stable-window': '6s', 'panic-window-percentage': '100' },
      { 'stable-window': '1h', 'panic-window-percentage': '1' },
      { 'scale-to-zero-grace-period': '1s', 'scale-down-delay': '0s' },
      { 'initial-scale': '0', 'allow-zero-initial-scale': 'true' },
    ];
    for (const data of edges) expect(problems(data), JSON.stringify(data)).toEqual([]);
    expect(parseAutoscalerConfig({ 'panic-threshold-percentage': '110' }).panicThresholdPercentage).toBe(110);
    expect(parseAutoscalerConfig({}).panicThresholdPercentage).toBe(DEFAULT_AUTOSCALER_CONFIG.panicThresholdPercentage);
  });
});

describe('config-autoscaler at admission', () => {
  const cm = (data: Record<string, string>): ConfigMap =>
    ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-autoscaler', namespace: 'knative-serving' },
      data,
    }) as ConfigMap;

  it.each(REFUSED)('names data.%s', (key, data) => {
    expect(validateResource(cm(data))?.problems.map((p) => p.path)).toContain(`data.${key}`);
  });

  it('says what the range is', () => {
    expect(validateResource(cm({ 'panic-threshold-percentage': '-1' }))?.message).toContain(
      'must be in [110, 1000] interval',
    );
  });
});
