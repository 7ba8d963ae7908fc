import {
  DEFAULT_RUNNER_CONFIG,
  FieldError,
  parseRunnerConfig,
  RUNNER_CONFIG_MAP,
  SYSTEM_NAMESPACE,
  type Clock,
  type ConfigMap,
  type Logger,
  type RunnerConfig,
  type Store,
} from '@kedge/core';

/** Longest a node's start waits for config-kedge-runner. */
const SYNC_MS = 5_000;

/**
 * The runner's knobs as they stand now: config-kedge-runner's keys over the runner's own options
 * over Kedge's defaults. The ConfigMap is watched, like Knative's components watch theirs: a
 * change applies to the next instance started, guest call made or stop, without a restart.
 */
export class RunnerSettings {
  private fromMap: Partial<RunnerConfig> = {};
  /** Merged once per change: guest calls read it on every outbound request. */
  private current: RunnerConfig;

  constructor(private readonly deps: { store: Store; logger: Logger; options: Partial<RunnerConfig> }) {
    this.current = this.merge();
  }

  get(): RunnerConfig {
    return this.current;
  }

  private merge(): RunnerConfig {
    const defined = (o: Partial<RunnerConfig>) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    return { ...DEFAULT_RUNNER_CONFIG, ...defined(this.deps.options), ...defined(this.fromMap) };
  }

  /** Watches the ConfigMap; returns the unwatch. `onSynced` fires once the stored map (if any) was read. */
  watch(onSynced?: () => void): () => void {
    return this.deps.store.watch(
      { kind: 'ConfigMap', namespace: SYSTEM_NAMESPACE, ...(onSynced ? { onSynced } : {}) },
      (ev) => {
        if (ev.object.metadata.name !== RUNNER_CONFIG_MAP) return;
        this.apply(ev.type === 'DELETED' ? undefined : (ev.object as ConfigMap).data);
      },
    );
  }

  /**
   * Watches the ConfigMap; `synced` settles once the stored map was read, or after 5 s: a Store that
   * does not answer does not keep the node from serving (the defaults hold until the map arrives).
   */
  follow(clock: Clock): { unwatch: () => void; synced: Promise<void> } {
    let waited: unknown;
    let unwatch!: () => void;
    const read = new Promise<void>((done) => {
      waited = clock.setTimeout(() => {
        this.deps.logger.warn(
          `${RUNNER_CONFIG_MAP} not read within ${SYNC_MS} ms; starting with the defaults until it arrives`,
        );
        done();
      }, SYNC_MS);
      unwatch = this.watch(done);
    });
    return { unwatch, synced: read.then(() => clock.clearTimeout(waited as never)) };
  }

  /** A map the API would refuse (stored around it) is logged and ignored whole: the previous values stay. */
  apply(data: Record<string, string> | undefined): void {
    try {
      this.fromMap = parseRunnerConfig(data);
      this.current = this.merge();
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      this.deps.logger.error(
        { problems: err.problems },
        `${RUNNER_CONFIG_MAP} rejected; keeping the previous settings`,
      );
      return;
    }
    this.deps.logger.info({ settings: this.fromMap }, `${RUNNER_CONFIG_MAP} applied`);
  }
}
