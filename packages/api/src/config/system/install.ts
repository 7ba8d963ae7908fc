import { StoreError, SYSTEM_NAMESPACE, type ConfigMap, type Logger, type Store } from '@kedge/core';
import { SYSTEM_CONFIG_EXAMPLES } from './examples.js';

/**
 * Knative's install creates every config map in knative-serving with only its `_example` block;
 * so does the API at start, for each one missing (an operator's own map is never touched). Then
 * `kubectl edit cm config-domain -n knative-serving` finds something to edit on a fresh start.
 */
export async function installSystemConfigMaps(store: Store, logger: Logger): Promise<void> {
  for (const [name, example] of Object.entries(SYSTEM_CONFIG_EXAMPLES)) {
    if (await store.get<ConfigMap>('ConfigMap', SYSTEM_NAMESPACE, name)) continue;
    const cm: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: SYSTEM_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'kedge' } },
      data: { _example: example },
    };
    try {
      await store.create(cm);
      logger.debug({ configMap: name }, 'installed');
    } catch (err) {
      // Another API replica (NATS mode) or the operator got there first: theirs stands.
      if (!(err instanceof StoreError && err.code === 'AlreadyExists')) throw err;
    }
  }
}
