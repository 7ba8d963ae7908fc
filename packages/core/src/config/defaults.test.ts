import { describe, expect, it } from 'vitest';
import { FieldError } from '../errors.js';
import { DEFAULTS_CONFIG } from '../resources/defaults.js';
import { parseDefaultsConfig } from './defaults.js';

function problemsOf(data: Record<string, string>): { path: string; message: string }[] {
  try {
    parseDefaultsConfig(data);
  } catch (err) {
    expect(err).toBeInstanceOf(FieldError);
    return (err as FieldError).problems;
  }
  return [];
}

describe('parseDefaultsConfig (config-defaults)', () => {
  it('gives Knative defaults for an empty map', () => {
    expect(parseDefaultsConfig({})).toEqual({ ...DEFAULTS_CONFIG, revisionResponseStartTimeoutSeconds: 300 });
    expect(parseDefaultsConfig(undefined).revisionTimeoutSeconds).toBe(300);
  });

  it('reads every key', () => {
    const c = parseDefaultsConfig({
      'revision-timeout-seconds': '120',
      'max-revision-timeout-seconds': '900',
      'revision-response-start-timeout-seconds': '60',
      'revision-idle-timeout-seconds': '30',
      'container-concurrency': '10',
      'container-concurrency-max-limit': '100',
      'allow-container-concurrency-zero': 'false',
      'container-name-template': '{{.Name}}',
      'init-container-name-template': 'init',
      'enable-service-links': 'true',
      'revision-cpu-request': '100m',
      'revision-memory-request': '64Mi',
      'revision-ephemeral-storage-request': '1Gi',
      'revision-cpu-limit': '1',
      'revision-memory-limit': '256Mi',
      'revision-ephemeral-storage-limit': '2Gi',
    });
    expect(c).toEqual({
      revisionTimeoutSeconds: 120,
      maxRevisionTimeoutSeconds: 900,
      revisionResponseStartTimeoutSeconds: 60,
      revisionIdleTimeoutSeconds: 30,
      containerConcurrency: 10,
      containerConcurrencyMaxLimit: 100,
      allowContainerConcurrencyZero: false,
      containerNameTemplate: '{{.Name}}',
      initContainerNameTemplate: 'init',
      enableServiceLinks: true,
      revisionCpuRequest: '100m',
      revisionMemoryRequest: '64Mi',
      revisionEphemeralStorageRequest: '1Gi',
      revisionCpuLimit: '1',
      revisionMemoryLimit: '256Mi',
      revisionEphemeralStorageLimit: '2Gi',
    });
  });

  it('ignores unknown keys and _example', () => {
    expect(
      parseDefaultsConfig({ _example: 'revision-timeout-seconds: x', 'something-else': 'x' }).revisionTimeoutSeconds,
    ).toBe(300);
  });

  it.each([
    ['not an int', { 'revision-timeout-seconds': 'abc' }, ['revision-timeout-seconds'], 'invalid value: abc'],
    ['float', { 'container-concurrency': '1.5' }, ['container-concurrency'], 'invalid value: 1.5'],
    [
      'bad bool',
      { 'allow-container-concurrency-zero': 'maybe' },
      ['allow-container-concurrency-zero'],
      'invalid value: maybe',
    ],
    ['bad quantity', { 'revision-memory-limit': 'big' }, ['revision-memory-limit'], 'invalid value: big'],
    [
      'timeout above max',
      { 'revision-timeout-seconds': '700' },
      ['revision-timeout-seconds'],
      'revision-timeout-seconds (700) cannot be greater than max-revision-timeout-seconds (600)',
    ],
    [
      'response-start above timeout',
      { 'revision-response-start-timeout-seconds': '400' },
      ['revision-response-start-timeout-seconds'],
      'cannot be greater than revision-timeout-seconds (300)',
    ],
    [
      'idle above timeout',
      { 'revision-idle-timeout-seconds': '301' },
      ['revision-idle-timeout-seconds'],
      'cannot be greater than revision-timeout-seconds (300)',
    ],
    ['negative timeout', { 'revision-timeout-seconds': '-1' }, ['revision-timeout-seconds'], 'expected 0 <= -1'],
    [
      'max-limit 0',
      { 'container-concurrency-max-limit': '0' },
      ['container-concurrency-max-limit'],
      'expected 1 <= 0 <= 2147483647',
    ],
    [
      'cc above max-limit',
      { 'container-concurrency': '2000' },
      ['container-concurrency'],
      'expected 0 <= 2000 <= 1000',
    ],
    ['cc negative', { 'container-concurrency': '-1' }, ['container-concurrency'], 'expected 0 <= -1 <= 1000'],
    [
      'unsupported template',
      { 'container-name-template': '{{.Namespace}}' },
      ['container-name-template'],
      'supports only {{.Name}}',
    ],
    [
      'all parse errors at once',
      { 'revision-timeout-seconds': 'x', 'container-concurrency': 'y' },
      ['container-concurrency', 'revision-timeout-seconds'],
      'invalid value',
    ],
  ] as const)('%s', (_n, data, paths, msg) => {
    const ps = problemsOf(data as Record<string, string>);
    expect(ps.map((p) => p.path).sort()).toEqual([...paths]);
    expect(ps.every((p) => p.message.includes(msg))).toBe(true);
  });

  it('error message names the key', () => {
    expect(() => parseDefaultsConfig({ 'revision-timeout-seconds': 'abc' })).toThrow(
      'revision-timeout-seconds: invalid value: abc',
    );
  });
});
