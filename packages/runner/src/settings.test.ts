import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RUNNER_CONFIG, SqliteStore, silentLogger, type ConfigMap } from '@kedge/core';
import { RunnerSettings } from './settings.js';

const map = (data: Record<string, string>): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config-kedge-runner', namespace: 'knative-serving' },
  data,
});

describe('RunnerSettings: config-kedge-runner over the runner options over the defaults', () => {
  let dir: string;
  let store: SqliteStore;
  let unwatch: (() => void) | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kedge-settings-'));
    store = new SqliteStore(join(dir, 'store'));
  });
  afterEach(async () => {
    unwatch?.();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('layers the stored map over the options, follows its changes and its deletion', async () => {
    await store.create(map({ 'cpu-limit-ms': '250', 'max-workers': '5' }));
    const s = new RunnerSettings({ store, logger: silentLogger, options: { cpuLimitMs: 1_000, stopGraceMs: 2_000 } });
    expect(s.get()).toEqual({ ...DEFAULT_RUNNER_CONFIG, cpuLimitMs: 1_000, stopGraceMs: 2_000 });
    let synced = false;
    unwatch = s.watch(() => (synced = true));
    expect(synced).toBe(true);
    expect(s.get()).toEqual({ ...DEFAULT_RUNNER_CONFIG, cpuLimitMs: 250, maxWorkers: 5, stopGraceMs: 2_000 });

    const stored = (await store.get<ConfigMap>('ConfigMap', 'knative-serving', 'config-kedge-runner'))!;
    await store.update({ ...stored, data: { 'outbound-timeout-ms': '700' } });
    expect(s.get()).toEqual({
      ...DEFAULT_RUNNER_CONFIG,
      cpuLimitMs: 1_000,
      outboundTimeoutMs: 700,
      stopGraceMs: 2_000,
    });

    await store.delete('ConfigMap', 'knative-serving', 'config-kedge-runner');
    expect(s.get()).toEqual({ ...DEFAULT_RUNNER_CONFIG, cpuLimitMs: 1_000, stopGraceMs: 2_000 });
  });

  it('ignores a map the API would refuse (stored around it) and keeps the previous values', async () => {
    const s = new RunnerSettings({ store, logger: silentLogger, options: {} });
    unwatch = s.watch();
    await store.create(map({ 'max-guests-per-replica': '20' }));
    expect(s.get().maxGuestsPerReplica).toBe(20);
    const stored = (await store.get<ConfigMap>('ConfigMap', 'knative-serving', 'config-kedge-runner'))!;
    await store.update({ ...stored, data: { 'max-guests-per-replica': '5', 'cpu-limit-ms': 'soon' } });
    expect(s.get().maxGuestsPerReplica).toBe(20);
    expect(s.get().cpuLimitMs).toBe(DEFAULT_RUNNER_CONFIG.cpuLimitMs);
  });

  it('reads only its own map', async () => {
    const s = new RunnerSettings({ store, logger: silentLogger, options: {} });
    unwatch = s.watch();
    await store.create({
      ...map({ 'cpu-limit-ms': '5' }),
      metadata: { name: 'config-autoscaler', namespace: 'knative-serving' },
    });
    await store.create({
      ...map({ 'cpu-limit-ms': '5' }),
      metadata: { name: 'config-kedge-runner', namespace: 'default' },
    });
    expect(s.get()).toEqual(DEFAULT_RUNNER_CONFIG);
  });
});
