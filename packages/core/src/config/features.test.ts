import { describe, expect, it } from 'vitest';
import { FEATURES_CONFIG, parseFeaturesConfig } from './features.js';

describe('parseFeaturesConfig (config-features)', () => {
  it('has Knative defaults', () => {
    expect(parseFeaturesConfig({})).toEqual(FEATURES_CONFIG);
  });
  it('reads flags', () => {
    const f = parseFeaturesConfig({
      'multi-container': 'disabled',
      'multi-container-probing': 'Enabled',
      'kubernetes.podspec-nodeselector': 'allowed',
      'kubernetes.podspec-affinity': 'disabled',
    });
    expect(f.multiContainer).toBe(false);
    expect(f.multiContainerProbing).toBe(true);
    expect(f.podSpecFields).toEqual(['nodeSelector']);
  });
  it('rejects unknown flag values naming the key', () => {
    expect(() => parseFeaturesConfig({ 'multi-container': 'yes' })).toThrow('multi-container: invalid value: yes');
  });
});
