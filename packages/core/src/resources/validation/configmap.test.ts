import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../types.js';
import { validateResource } from '../validation.js';

function cm(name: string, data: Record<string, unknown>, namespace = 'knative-serving'): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data } as ConfigMap;
}

describe('ConfigMap validation', () => {
  it.each([
    ['valid config-defaults', cm('config-defaults', { 'revision-timeout-seconds': '100' }), []],
    [
      'bad config-defaults value',
      cm('config-defaults', { 'revision-timeout-seconds': 'abc' }),
      ['data.revision-timeout-seconds'],
    ],
    ['bad config-domain selector', cm('config-domain', { 'a.com': 'selector: [' }), ['data.a.com']],
    ['bad config-features flag', cm('config-features', { 'multi-container': 'yes' }), ['data.multi-container']],
    [
      'bad config-autoscaler max-scale-limit',
      cm('config-autoscaler', { 'max-scale-limit': 'x', 'stable-window': '60s' }),
      ['data.max-scale-limit'],
    ],
    // The whole map as the autoscaler reads it, not only the keys revision validation uses.
    [
      'negative config-autoscaler stable-window',
      cm('config-autoscaler', { 'stable-window': '-1s' }),
      ['data.stable-window'],
    ],
    [
      'config-autoscaler rate below 1',
      cm('config-autoscaler', { 'max-scale-up-rate': '0.5' }),
      ['data.max-scale-up-rate'],
    ],
    [
      'config-autoscaler duration without unit',
      cm('config-autoscaler', { 'scale-to-zero-grace-period': '30' }),
      ['data.scale-to-zero-grace-period'],
    ],
    [
      'valid config-autoscaler',
      cm('config-autoscaler', { 'stable-window': '6s', 'scale-to-zero-grace-period': '1s' }),
      [],
    ],
    ['process-revisions gate', cm('config-features', { 'kedge.process-revisions': 'enabled' }), []],
    [
      'bad process-revisions gate',
      cm('config-features', { 'kedge.process-revisions': 'on' }),
      ['data.kedge.process-revisions'],
    ],
    ['valid config-kedge-runner', cm('config-kedge-runner', { 'cpu-limit-ms': '500', 'max-workers': '3' }), []],
    [
      'bad config-kedge-runner values',
      cm('config-kedge-runner', { 'cpu-limit-ms': '0', 'stop-grace-ms': 'soon' }),
      ['data.cpu-limit-ms', 'data.stop-grace-ms'],
    ],
    ['other namespace not parsed', cm('config-defaults', { 'revision-timeout-seconds': 'abc' }, 'default'), []],
    ['non-string value', cm('anything', { n: 1 }), ['data.n']],
    ['dotted names allowed', cm('my.config', {}), []],
    ['bad name', cm('My_Config', {}), ['metadata.name']],
    ['unknown top-level field', { ...cm('x', {}), spec: {} }, ['spec']],
  ] as const)('%s', (_n, obj, paths) => {
    const err = validateResource(obj as ConfigMap);
    expect((err?.problems ?? []).map((p) => p.path)).toEqual(paths);
  });
});

describe('apiVersion and kind', () => {
  it.each([
    [
      'ConfigMap with serving apiVersion',
      { apiVersion: 'serving.knative.dev/v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      ['apiVersion'],
    ],
    ['missing kind', { apiVersion: 'v1', metadata: { name: 'x' } }, ['kind']],
    ['unknown kind', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }, ['kind']],
    ['missing metadata', { apiVersion: 'v1', kind: 'ConfigMap' }, ['metadata']],
    [
      'PodAutoscaler needs spec',
      { apiVersion: 'autoscaling.internal.knative.dev/v1alpha1', kind: 'PodAutoscaler', metadata: { name: 'x' } },
      ['spec'],
    ],
  ])('%s', (_n, obj, paths) => {
    expect((validateResource(obj as unknown as ConfigMap)?.problems ?? []).map((p) => p.path)).toEqual(paths);
  });
});
