import { describe, expect, it } from 'vitest';
import { validateResource } from '../resources/validation.js';
import { DEPLOYMENT_CONFIG, parseDeploymentConfig } from './deployment.js';

describe('config-deployment', () => {
  it("registries-skipping-tag-resolving: Knative's default, a comma list, refused with its key when not hosts", () => {
    expect(parseDeploymentConfig(undefined)).toBe(DEPLOYMENT_CONFIG);
    expect(DEPLOYMENT_CONFIG.registriesSkippingTagResolving).toEqual(['kind.local', 'ko.local', 'dev.local']);
    expect(
      parseDeploymentConfig({
        'registries-skipping-tag-resolving': ' a.io, 127.0.0.1:5000 ,',
        'progress-deadline': '600s',
      }),
    ).toEqual({
      registriesSkippingTagResolving: ['a.io', '127.0.0.1:5000'],
    });
    expect(parseDeploymentConfig({ 'registries-skipping-tag-resolving': '' }).registriesSkippingTagResolving).toEqual(
      [],
    );
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-deployment', namespace: 'knative-serving' },
      data: { 'registries-skipping-tag-resolving': 'a.io/x' },
    };
    expect(validateResource(cm)?.problems).toEqual([
      {
        path: 'data.registries-skipping-tag-resolving',
        message: '"a.io/x" is not a registry host (host[:port], comma-separated)',
      },
    ]);
  });
});
