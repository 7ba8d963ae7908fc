import { describe, expect, it } from 'vitest';
import { checkGcConfig, DISABLED, GC_DEFAULTS } from './gc.js';

const paths = (data: Record<string, string>) => checkGcConfig(data).problems.map((p) => p.path);

describe('checkGcConfig (Knative pkg/gc/config.go)', () => {
  it('takes `disabled` in any case for the retain times and the max, an empty value as the default', () => {
    const { config, problems } = checkGcConfig({
      'retain-since-create-time': 'Disabled',
      'retain-since-last-active-time': '',
      'max-non-active-revisions': 'DISABLED',
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({ ...GC_DEFAULTS, retainSinceCreateTimeMs: DISABLED, maxNonActiveRevisions: DISABLED });
  });

  it.each([
    [{ 'min-non-active-revisions': 'disabled' }, 'min-non-active-revisions'],
    [{ 'min-non-active-revisions': '-1' }, 'min-non-active-revisions'],
    [{ 'max-non-active-revisions': '-1' }, 'max-non-active-revisions'],
    [{ 'retain-since-create-time': '-1h' }, 'retain-since-create-time'],
    [{ 'retain-since-last-active-time': 'forever' }, 'retain-since-last-active-time'],
    [{ 'min-non-active-revisions': '5', 'max-non-active-revisions': '4' }, 'min-non-active-revisions'],
  ])('refuses %j naming %s', (data, key) => {
    expect(paths(data)).toEqual([key]);
  });

  it('lets min exceed a disabled max', () => {
    expect(paths({ 'min-non-active-revisions': '50', 'max-non-active-revisions': 'disabled' })).toEqual([]);
  });
});
