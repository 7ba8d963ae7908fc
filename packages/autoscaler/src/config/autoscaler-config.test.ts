import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOSCALER_CONFIG, parseAutoscalerConfig } from './autoscaler-config.js';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration (Go time.ParseDuration)', () => {
  it.each([
    ['30s', 30],
    ['2m3s', 123],
    ['1h', 3600],
    ['1.5h', 5400],
    ['300ms', 0.3],
    ['1m0.5s', 60.5],
    ['0', 0],
    ['-1s', -1],
    ['1h2m3s4ms', 3723.004],
  ])('%s → %ss', (s, want) => expect(parseDuration(s)).toBeCloseTo(want, 9));

  it.each(['30', '', 's', '1d', '1 s', 'abc'])('rejects %j', (s) => expect(() => parseDuration(s)).toThrow());

  it('formats like Go', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(3600)).toBe('1h0m0s');
    expect(formatDuration(123)).toBe('2m3s');
  });
});

describe('parseAutoscalerConfig (Knative pkg/autoscaler/config/config.go)', () => {
  it('has Knative defaults for an empty map', () => {
    expect(parseAutoscalerConfig({})).toEqual({
      containerConcurrencyTargetPercentage: 0.7,
      containerConcurrencyTargetDefault: 100,
      requestsPerSecondTargetDefault: 200,
      targetBurstCapacity: 211,
      stableWindow: 60,
      panicWindowPercentage: 10,
      panicThresholdPercentage: 200,
      maxScaleUpRate: 1000,
      maxScaleDownRate: 2,
      enableScaleToZero: true,
      scaleToZeroGracePeriod: 30,
      scaleToZeroPodRetentionPeriod: 0,
      scaleDownDelay: 0,
      podAutoscalerClass: 'kpa.autoscaling.knative.dev',
      activatorCapacity: 100,
      initialScale: 1,
      allowZeroInitialScale: false,
      minScale: 0,
      maxScale: 0,
      maxScaleLimit: 0,
    });
    expect(parseAutoscalerConfig({})).toEqual(DEFAULT_AUTOSCALER_CONFIG);
  });

  it('reads every key (camelCase, seconds, fraction)', () => {
    const c = parseAutoscalerConfig({
      'container-concurrency-target-percentage': '80',
      'container-concurrency-target-default': '50',
      'requests-per-second-target-default': '300',
      'target-burst-capacity': '-1',
      'stable-window': '2m3s',
      'panic-window-percentage': '20.5',
      'panic-threshold-percentage': '300',
      'max-scale-up-rate': '10',
      'max-scale-down-rate': '4',
      'enable-scale-to-zero': 'FALSE',
      'scale-to-zero-grace-period': '1m',
      'scale-to-zero-pod-retention-period': '90s',
      'scale-down-delay': '15s',
      'pod-autoscaler-class': 'hpa.autoscaling.knative.dev',
      'activator-capacity': '250',
      'initial-scale': '0',
      'allow-zero-initial-scale': 'True',
      'min-scale': '1',
      'max-scale': '10',
      'max-scale-limit': '20',
      'tick-interval': 'ignored: unknown keys are ignored',
    });
    expect(c).toEqual({
      containerConcurrencyTargetPercentage: 0.8,
      containerConcurrencyTargetDefault: 50,
      requestsPerSecondTargetDefault: 300,
      targetBurstCapacity: -1,
      stableWindow: 123,
      panicWindowPercentage: 20.5,
      panicThresholdPercentage: 300,
      maxScaleUpRate: 10,
      maxScaleDownRate: 4,
      enableScaleToZero: false,
      scaleToZeroGracePeriod: 60,
      scaleToZeroPodRetentionPeriod: 90,
      scaleDownDelay: 15,
      podAutoscalerClass: 'hpa.autoscaling.knative.dev',
      activatorCapacity: 250,
      initialScale: 0,
      allowZeroInitialScale: true,
      minScale: 1,
      maxScale: 10,
      maxScaleLimit: 20,
    });
  });

  it('takes a target percentage ≤ 1 as a fraction already', () => {
    expect(
      parseAutoscalerConfig({ 'container-concurrency-target-percentage': '0.5' }).containerConcurrencyTargetPercentage,
    ).toBe(0.5);
    expect(
      parseAutoscalerConfig({ 'container-concurrency-target-percentage': '1' }).containerConcurrencyTargetPercentage,
    ).toBe(1);
    expect(
      parseAutoscalerConfig({ 'container-concurrency-target-percentage': '100' }).containerConcurrencyTargetPercentage,
    ).toBe(1);
  });

  it('reads booleans as Go strconv.ParseBool does (knative configmap.AsBool)', () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True'])
      expect(parseAutoscalerConfig({ 'allow-zero-initial-scale': v }).allowZeroInitialScale).toBe(true);
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
      expect(parseAutoscalerConfig({ 'enable-scale-to-zero': v }).enableScaleToZero).toBe(false);
    expect(() => parseAutoscalerConfig({ 'enable-scale-to-zero': 'yes' })).toThrow(/^enable-scale-to-zero: /);
    expect(() => parseAutoscalerConfig({ 'enable-scale-to-zero': 'tRuE' })).toThrow(/^enable-scale-to-zero: /);
  });

  it.each([
    [{ 'container-concurrency-target-percentage': 'seventy' }, 'container-concurrency-target-percentage'],
    [{ 'stable-window': '60' }, 'stable-window'],
    [{ 'initial-scale': '1.5' }, 'initial-scale'],
    [{ 'scale-to-zero-grace-period': '0s' }, 'scale-to-zero-grace-period'],
    [{ 'scale-down-delay': '-1s' }, 'scale-down-delay'],
    [{ 'scale-down-delay': '1500ms' }, 'scale-down-delay'],
    [{ 'scale-to-zero-pod-retention-period': '-1s' }, 'scale-to-zero-pod-retention-period'],
    [{ 'target-burst-capacity': '-2' }, 'target-burst-capacity'],
    [{ 'container-concurrency-target-percentage': '0' }, 'container-concurrency-target-percentage'],
    [{ 'container-concurrency-target-percentage': '101' }, 'container-concurrency-target-percentage'],
    [
      { 'container-concurrency-target-percentage': '0.001', 'container-concurrency-target-default': '1' },
      'container-concurrency-target-default',
    ],
    [{ 'requests-per-second-target-default': '0.001' }, 'requests-per-second-target-default'],
    [{ 'activator-capacity': '0.5' }, 'activator-capacity'],
    [{ 'max-scale-up-rate': '1' }, 'max-scale-up-rate'],
    [{ 'max-scale-down-rate': '1.0' }, 'max-scale-down-rate'],
    [{ 'stable-window': '5s' }, 'stable-window'],
    [{ 'stable-window': '1h1s' }, 'stable-window'],
    [{ 'stable-window': '6500ms' }, 'stable-window'],
    [{ 'panic-window-percentage': '0.5' }, 'panic-window-percentage'],
    [{ 'panic-window-percentage': '101' }, 'panic-window-percentage'],
    [{ 'initial-scale': '0' }, 'initial-scale'],
    [{ 'initial-scale': '-1', 'allow-zero-initial-scale': 'true' }, 'initial-scale'],
    [{ 'min-scale': '-1' }, 'min-scale'],
    [{ 'max-scale': '-1' }, 'max-scale'],
    [{ 'max-scale-limit': '10' }, 'max-scale'],
    [{ 'max-scale-limit': '10', 'max-scale': '11' }, 'max-scale'],
    [{ 'max-scale-limit': '-1' }, 'max-scale-limit'],
    [{ 'min-scale': '5', 'max-scale': '3' }, 'min-scale'],
  ])('rejects %j naming %s', (data, key) => {
    expect(() => parseAutoscalerConfig(data)).toThrow(new RegExp(`^${key}: `));
  });

  it('accepts the edges of each range', () => {
    expect(() =>
      parseAutoscalerConfig({
        'stable-window': '6s',
        'panic-window-percentage': '1',
        'target-burst-capacity': '0',
        'max-scale-up-rate': '1.001',
        'activator-capacity': '1',
        'max-scale-limit': '10',
        'max-scale': '10',
      }),
    ).not.toThrow();
    expect(parseAutoscalerConfig({ 'stable-window': '1h', 'panic-window-percentage': '100' }).stableWindow).toBe(3600);
  });
});
