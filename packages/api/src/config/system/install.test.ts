import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  AUTOSCALER_CONFIG_KEYS,
  DEFAULTS_CONFIG_KEYS,
  PODSPEC_FEATURE_FIELDS,
  RUNNER_CONFIG_KEYS,
  SYSTEM_NAMESPACE,
  silentLogger,
  validateResource,
  type ConfigMap,
} from '@kedge/core';
import { storesPerTest } from '../../../test-support/harness.js';
import { checkGcConfig } from '../gc.js';
import { SYSTEM_CONFIG_EXAMPLES } from './examples.js';
import { installSystemConfigMaps } from './install.js';

const openStore = storesPerTest('kedge-cm-');

/** `_example` unindented into data, as the header tells an operator to do. */
const exampleData = (name: string): Record<string, string> =>
  Object.fromEntries(
    Object.entries(parseYaml(SYSTEM_CONFIG_EXAMPLES[name]!) as Record<string, unknown>).map(([k, v]) => [
      k,
      String(v ?? ''),
    ]),
  );

describe('installSystemConfigMaps', () => {
  it("installs Knative's config maps and Kedge's with only _example, and leaves an operator's own alone", async () => {
    const store = openStore();
    const mine: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-domain', namespace: SYSTEM_NAMESPACE },
      data: { 'kedge.dev': '' },
    };
    await store.create(mine);
    await installSystemConfigMaps(store, silentLogger);
    await installSystemConfigMaps(store, silentLogger);
    const { items } = await store.list<ConfigMap>('ConfigMap', { namespace: SYSTEM_NAMESPACE });
    expect(items.map((c) => c.metadata.name).sort()).toEqual([
      'config-autoscaler',
      'config-defaults',
      'config-deployment',
      'config-domain',
      'config-features',
      'config-gc',
      'config-kedge-runner',
      'config-network',
    ]);
    for (const cm of items.filter((c) => c.metadata.name !== 'config-domain')) {
      expect(Object.keys(cm.data ?? {})).toEqual(['_example']);
      // What is installed is what the API itself would accept.
      expect(validateResource(cm)).toBeUndefined();
    }
    expect(items.find((c) => c.metadata.name === 'config-domain')!.data).toEqual({ 'kedge.dev': '' });
  });

  it('documents every key Kedge reads, and every documented value is one Kedge accepts', () => {
    const documented = (name: string) => Object.keys(exampleData(name));
    expect(documented('config-autoscaler')).toEqual(expect.arrayContaining(Object.keys(AUTOSCALER_CONFIG_KEYS)));
    expect(documented('config-defaults')).toEqual(expect.arrayContaining(DEFAULTS_CONFIG_KEYS));
    expect(documented('config-kedge-runner')).toEqual(expect.arrayContaining(Object.keys(RUNNER_CONFIG_KEYS)));
    expect(documented('config-features')).toEqual(
      expect.arrayContaining([
        ...Object.keys(PODSPEC_FEATURE_FIELDS),
        'multi-container',
        'multi-container-probing',
        'kedge.process-revisions',
      ]),
    );
    expect(documented('config-gc')).toEqual([
      'retain-since-create-time',
      'retain-since-last-active-time',
      'min-non-active-revisions',
      'max-non-active-revisions',
    ]);
    for (const name of Object.keys(SYSTEM_CONFIG_EXAMPLES)) {
      const cm: ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: SYSTEM_NAMESPACE },
        data: exampleData(name),
      };
      expect(validateResource(cm), name).toBeUndefined();
    }
    expect(checkGcConfig(exampleData('config-gc')).problems).toEqual([]);
  });
});
