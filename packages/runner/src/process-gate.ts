import {
  parseFeaturesConfig,
  PROCESS_REVISIONS_FEATURE,
  SYSTEM_NAMESPACE,
  type ConfigMap,
  type Logger,
  type Store,
} from '@kedge/core';
import { RevisionLoadError } from './runtimes/runtime.js';

/** RevisionHealth reason of a process revision this runner will not start. */
export const PROCESS_REVISIONS_DISABLED = 'ProcessRevisionsDisabled';

/**
 * The runner's own check of the process-revision gate, behind the API's admission (docs/security.md):
 * a process revision that reached the store anyway (written before the gate closed, or not through
 * the API) is not started while config-features does not say `kedge.process-revisions: enabled`.
 * Closed until the stored value is known.
 */
export class ProcessRevisionGate {
  private open = false;
  private unwatch: (() => void) | undefined;

  constructor(private readonly deps: { store: Store; logger: Logger }) {}

  /** `onSynced` once the stored config-features was read; `onChange` whenever the gate opens or closes after that. */
  start(handlers: { onSynced: () => void; onChange: () => void }): void {
    let synced = false;
    this.unwatch = this.deps.store.watch(
      {
        kind: 'ConfigMap',
        namespace: SYSTEM_NAMESPACE,
        onSynced: () => {
          synced = true;
          handlers.onSynced();
        },
      },
      (ev) => {
        if (ev.object.metadata.name !== 'config-features') return;
        const next = ev.type !== 'DELETED' && this.read(ev.object as ConfigMap);
        if (next === this.open) return;
        this.open = next;
        this.deps.logger.info(
          { [PROCESS_REVISIONS_FEATURE]: next ? 'enabled' : 'disabled' },
          'process revisions gate changed',
        );
        if (synced) handlers.onChange();
      },
    );
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** Throws the reason a process revision may not start now. */
  check(): void {
    if (this.open) return;
    throw new RevisionLoadError(
      PROCESS_REVISIONS_DISABLED,
      `process revisions are disabled: "${PROCESS_REVISIONS_FEATURE}: enabled" in ConfigMap config-features (namespace knative-serving) turns them on`,
    );
  }

  /** Only this key decides: a bad value elsewhere in the map does not open or close the gate. */
  private read(cm: ConfigMap): boolean {
    const value = cm.data?.[PROCESS_REVISIONS_FEATURE];
    if (value === undefined) return false;
    try {
      return parseFeaturesConfig({ [PROCESS_REVISIONS_FEATURE]: value }).processRevisions;
    } catch {
      this.deps.logger.warn(
        { value },
        `config-features ${PROCESS_REVISIONS_FEATURE} is not enabled/disabled: process revisions stay off`,
      );
      return false;
    }
  }
}
