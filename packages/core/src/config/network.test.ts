import { describe, expect, it } from 'vitest';
import { validateResource } from '../resources/validation.js';
import type { ConfigMap } from '../resources/types.js';
import { parseNetworkConfig } from './network.js';

describe('config-network http-protocol', () => {
  it("reads Knative's values case-insensitively and defaults to Enabled", () => {
    expect(parseNetworkConfig(undefined)).toEqual({ httpProtocol: 'Enabled' });
    expect(parseNetworkConfig({ 'http-protocol': 'redirected' })).toEqual({ httpProtocol: 'Redirected' });
    expect(parseNetworkConfig({ 'http-protocol': 'Disabled', 'ingress-class': 'x' })).toEqual({
      httpProtocol: 'Disabled',
    });
  });

  it('rejects another value at apply time, naming the key', () => {
    const cm: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-network', namespace: 'knative-serving' },
      data: { 'http-protocol': 'sometimes' },
    };
    expect(validateResource(cm)?.problems).toEqual([
      {
        path: 'data.http-protocol',
        message:
          'httpProtocol sometimes in config-network ConfigMap is not supported (Enabled, Redirected or Disabled)',
      },
    ]);
  });
});
