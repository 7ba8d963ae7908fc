import { describe, expect, it } from 'vitest';
import { AUTOSCALER_VALIDATION_CONFIG } from '../resources/validation/annotations.js';
import { parseAutoscalerValidationConfig } from './autoscaler.js';

describe('parseAutoscalerValidationConfig (config-autoscaler subset)', () => {
  it('defaults', () => {
    expect(parseAutoscalerValidationConfig({ 'stable-window': '60s' })).toEqual(AUTOSCALER_VALIDATION_CONFIG);
  });
  it('reads the keys', () => {
    expect(
      parseAutoscalerValidationConfig({
        'pod-autoscaler-class': 'hpa.autoscaling.knative.dev',
        'max-scale-limit': '10',
        'allow-zero-initial-scale': 'True',
      }),
    ).toEqual({ podAutoscalerClass: 'hpa.autoscaling.knative.dev', maxScaleLimit: 10, allowZeroInitialScale: true });
  });
  it.each([
    [{ 'max-scale-limit': '-1' }, 'max-scale-limit'],
    [{ 'max-scale-limit': 'ten' }, 'max-scale-limit'],
    [{ 'allow-zero-initial-scale': 'yes' }, 'allow-zero-initial-scale'],
    [{ 'pod-autoscaler-class': '' }, 'pod-autoscaler-class'],
  ])('rejects %j naming the key', (data, key) => {
    expect(() => parseAutoscalerValidationConfig(data)).toThrow(`${key}: invalid value`);
  });
});
