import {
  isTransient,
  podAutoscalerFor,
  retry,
  RetryAborted,
  type Clock,
  type Logger,
  type PodAutoscaler,
  type ServerlessService,
  type Store,
} from '@kedge/core';
import { paStatusFor } from '../scaler/pa-status.js';
import type { Lifecycle, RevisionState } from '../scaling/revision-state.js';
import { retryOnConflict } from './retry-on-conflict.js';

/** Real time (not the injected clock: it only defers, it decides nothing) before status is written. */
const STATUS_WRITE_DELAY_MS = 25;

/**
 * The one writer of what the autoscaler stores: a revision's PodAutoscaler status and its
 * ServerlessService spec (Knative's base reconciler: UpdateStatus and ReconcileSKS). Decisions and
 * starts never wait on the Store: writes are queued behind them, one at a time per revision.
 */
export class StatusWriter {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly lifecycle: Lifecycle,
    /** config-autoscaler's pod-autoscaler-class now: the class a PodAutoscaler created here carries. */
    private readonly defaultClass: () => string,
    private readonly delayMs = STATUS_WRITE_DELAY_MS,
  ) {}

  /** Settles once every pending write is done. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Status writes go after the decision and the starts, and a little later still: a cold start
   * changes the PodAutoscaler three times within a few ms (decision, instance started, instance
   * ready), and each write wakes the API's reconcilers and every Store watcher on the same event
   * loop that is serving the first request. One coalesced write after it costs that request nothing
   * (measured: cold-start p50 −1 to −6 ms on the shared 2-core machine).
   */
  schedule(st: RevisionState): void {
    const w = st.written;
    if (w.writing) {
      w.dirty = true;
      return;
    }
    w.writing = true;
    const delay = this.delayMs;
    const p = (delay > 0 ? new Promise<void>((resolve) => setTimeout(resolve, delay)) : Promise.resolve())
      // An unreachable Store is waited out (each attempt writes the latest state); a revision that
      // went away or a replica that lost it stops trying.
      .then(() =>
        retry(() => this.write(st), {
          clock: this.clock,
          logger: this.log,
          what: `PodAutoscaler/ServerlessService ${st.key}`,
          signal: this.lifecycle.signal,
          retryable: (err) => isTransient(err) && this.lifecycle.acting(st),
        }),
      )
      .catch((err) => {
        if (!(err instanceof RetryAborted)) this.log.warn({ err, revision: st.key }, 'status not written');
      })
      .finally(() => {
        w.writing = false;
        this.pending.delete(p);
        if (w.dirty && this.lifecycle.current(st)) {
          w.dirty = false;
          this.schedule(st);
        }
      });
    this.pending.add(p);
  }

  /** The revision is gone: so are its ServerlessService and PodAutoscaler. */
  deleteFor(st: RevisionState): void {
    // Not awaited by idle(): a delete waits out an unreachable Store like any write, but decides nothing.
    void (async () => {
      for (const kind of ['ServerlessService', 'PodAutoscaler'] as const) {
        try {
          await retry(() => this.store.delete(kind, st.namespace, st.name), {
            clock: this.clock,
            logger: this.log,
            what: `delete ${kind} ${st.key}`,
            signal: this.lifecycle.signal,
          });
        } catch (err) {
          this.log.debug({ err, revision: st.key, kind }, 'delete after revision removal failed');
        }
      }
    })();
  }

  private async write(st: RevisionState): Promise<void> {
    const s = st.scale;
    const w = st.written;
    const status = paStatusFor(s.pa, { now: this.clock.now(), serviceName: st.name, prev: w.paConditions });
    const paJson = JSON.stringify(status);
    const sksJson = JSON.stringify([s.mode, s.numActivators]);
    let pa: PodAutoscaler | undefined;
    if (paJson !== w.pa) {
      pa = await this.writePA(st, status);
      w.pa = paJson;
      // Built from the last written conditions, so an unchanged condition keeps its transition time.
      w.paConditions = status.conditions;
    }
    if (sksJson !== w.sks) {
      pa ??= await this.store.get<PodAutoscaler>('PodAutoscaler', st.namespace, st.name);
      if (!pa) return;
      await this.writeSKS(st, pa);
      w.sks = sksJson;
    }
  }

  private writePA(st: RevisionState, status: PodAutoscaler['status']): Promise<PodAutoscaler> {
    const store = this.store;
    return retryOnConflict(async () => {
      const cur = await store.get<PodAutoscaler>('PodAutoscaler', st.namespace, st.name);
      if (!cur)
        return store.create<PodAutoscaler>({
          ...podAutoscalerFor(st.revision, this.defaultClass()),
          status: { ...status, observedGeneration: 1 },
        });
      return store.update<PodAutoscaler>({
        ...cur,
        status: { ...status, observedGeneration: cur.metadata.generation ?? 1 },
      });
    });
  }

  private writeSKS(st: RevisionState, pa: PodAutoscaler): Promise<void> {
    const store = this.store;
    const spec: ServerlessService['spec'] = {
      mode: st.scale.mode,
      numActivators: st.scale.numActivators,
      objectRef: { apiVersion: 'serving.knative.dev/v1', kind: 'Revision', name: st.name },
      protocolType: pa.spec.protocolType ?? 'http1',
    };
    return retryOnConflict(async () => {
      const cur = await store.get<ServerlessService>('ServerlessService', st.namespace, st.name);
      if (!cur) {
        await store.create<ServerlessService>(newSKS(st, pa, spec));
        return;
      }
      // The gateways own the SKS status (ready endpoints); the autoscaler writes the spec only.
      if (JSON.stringify(cur.spec) === JSON.stringify(spec)) return;
      await store.update<ServerlessService>({ ...cur, spec });
    });
  }
}

function newSKS(st: RevisionState, pa: PodAutoscaler, spec: ServerlessService['spec']): ServerlessService {
  return {
    apiVersion: 'networking.internal.knative.dev/v1alpha1',
    kind: 'ServerlessService',
    metadata: {
      name: st.name,
      namespace: st.namespace,
      labels: { ...(pa.metadata.labels ?? {}) },
      ownerReferences: [
        {
          apiVersion: pa.apiVersion,
          kind: 'PodAutoscaler',
          name: pa.metadata.name,
          uid: pa.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
    status: { serviceName: st.name, privateServiceName: `${st.name}-private`, readyEndpoints: st.scale.ready },
  };
}
