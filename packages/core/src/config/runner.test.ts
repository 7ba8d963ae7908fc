import { describe, expect, it } from 'vitest';
import { thrownProblems } from '../../test-support/validation.js';
import { parseRunnerConfig, RUNNER_CONFIG_KEYS } from './runner.js';

const problems = (data: Record<string, string>) =>
  thrownProblems(() => parseRunnerConfig(data)).map((p) => `${p.path}: ${p.message}`);

describe('parseRunnerConfig (config-kedge-runner)', () => {
  it('returns only the keys set, so the runner keeps its own defaults for the rest', () => {
    expect(parseRunnerConfig({})).toEqual({});
    expect(parseRunnerConfig({ 'cpu-limit-ms': ' 250 ', _example: 'ignored', unknown: 'ignored' })).toEqual({
      cpuLimitMs: 250,
    });
  });

  it('reads every key', () => {
    expect(
      parseRunnerConfig({
        'max-workers': '4',
        'max-guests-per-replica': '20',
        'cpu-limit-ms': '1000',
        'outbound-timeout-ms': '5000',
        'stop-grace-ms': '0',
      }),
    ).toEqual({ maxWorkers: 4, maxGuestsPerReplica: 20, cpuLimitMs: 1000, outboundTimeoutMs: 5000, stopGraceMs: 0 });
  });

  it('reports every bad key at once, each by its name', () => {
    expect(
      problems({
        'max-workers': 'lots',
        'cpu-limit-ms': '0',
        'stop-grace-ms': '1.5',
        'max-guests-per-replica': '1001',
      }),
    ).toEqual([
      'max-workers: invalid value: lots: must be a whole number',
      'max-guests-per-replica: expected 1 <= 1001 <= 1000',
      'cpu-limit-ms: expected 1 <= 0 <= 600000',
      'stop-grace-ms: invalid value: 1.5: must be a whole number',
    ]);
  });

  it('accepts both ends of every range and refuses one past them', () => {
    for (const [key, { min, max }] of Object.entries(RUNNER_CONFIG_KEYS)) {
      expect(problems({ [key]: String(min) })).toEqual([]);
      expect(problems({ [key]: String(max) })).toEqual([]);
      expect(problems({ [key]: String(min - 1) })).toHaveLength(1);
      expect(problems({ [key]: String(max + 1) })).toHaveLength(1);
    }
  });
});
