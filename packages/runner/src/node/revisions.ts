import {
  awaitsImageResolution,
  subjects,
  type Bus,
  type Clock,
  type Logger,
  type Revision,
  type RevisionHealth,
  type Store,
} from '@kedge/core';
import { RevisionLoadError, type Runtime } from '../runtimes/runtime.js';
import { revisionKey } from './instance.js';

export interface NodeRevisionsDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  nodeId: string;
  logger: Logger;
  /** The runtime that may run the revision now; throws RevisionLoadError when it may not. */
  runnable: (rev: Revision) => Runtime;
}

/** What the node last said of a revision's health, and about which spec. */
interface Reported {
  spec: string;
  ready: boolean;
  reason?: string;
  message?: string;
}

/** What a revision was prepared as: its spec, and what its registry image resolved to (set once, after creation). */
const preparedAs = (rev: Revision): string => JSON.stringify([rev.spec, rev.status?.resolvedImage ?? null]);

/** Any error of a start or prepare as the reason and message a Ready=False condition carries. */
export function loadFailure(err: unknown): { reason: string; message: string } {
  if (err instanceof RevisionLoadError) return { reason: err.reason, message: err.message };
  return { reason: 'InternalError', message: (err as Error).message ?? String(err) };
}

/**
 * The Revisions this node knows (from the store's watch) and the health it reported for each: the
 * API turns the reports into the revision's ContainerHealthy condition.
 */
export class NodeRevisions {
  private readonly revisions = new Map<string, Revision>();
  private readonly health = new Map<string, Reported>();

  constructor(private readonly deps: NodeRevisionsDeps) {}

  get(namespace: string, name: string): Revision | undefined {
    return this.revisions.get(revisionKey(namespace, name));
  }

  /** Follows the store's Revisions; `deleted` lets go of what the node holds for one. Returns the unwatch. */
  watch(deleted: (rev: Revision) => void): () => void {
    return this.deps.store.watch({ kind: 'Revision' }, (ev) => {
      const rev = ev.object as Revision;
      if (ev.type !== 'DELETED') {
        this.observed(rev);
        return;
      }
      this.forget(rev);
      deleted(rev);
    });
  }

  /** Whether the last report about the revision said ready. */
  reportedReady(namespace: string, name: string): boolean {
    return !!this.health.get(revisionKey(namespace, name))?.ready;
  }

  report(rev: Revision, ready: boolean, reason?: string, message?: string): void {
    const { namespace, name } = rev.metadata;
    this.health.set(revisionKey(namespace, name), {
      spec: preparedAs(rev),
      ready,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    });
    const msg: RevisionHealth = {
      namespace,
      revision: name,
      nodeId: this.deps.nodeId,
      ready,
      time: this.deps.clock.now(),
    };
    if (reason) msg.reason = reason;
    if (message) msg.message = message;
    this.deps.bus.publish(subjects.revisionHealth(namespace, name), msg);
  }

  /** Knative's image pull, done when a Revision appears so the first request pays no transpile. */
  async prepare(rev: Revision): Promise<void> {
    const k = revisionKey(rev.metadata.namespace, rev.metadata.name);
    // A registry image is prepared once the API resolved it (status.resolvedImage), not before.
    if (awaitsImageResolution(rev)) return;
    if (this.health.get(k)?.spec === preparedAs(rev)) return;
    try {
      await this.deps.runnable(rev).prepare(rev);
      this.report(rev, true);
    } catch (err) {
      const f = loadFailure(err);
      this.deps.logger.warn({ revision: k, reason: f.reason }, f.message);
      this.report(rev, false, f.reason, f.message);
    }
  }

  private observed(rev: Revision): void {
    const k = revisionKey(rev.metadata.namespace, rev.metadata.name);
    this.revisions.set(k, rev);
    // An API that missed this runner's report (it started later, or restarted) still waits for one: say it again.
    const known = this.health.get(k);
    const waiting = rev.status?.conditions?.find((c) => c.type === 'ContainerHealthy')?.status === 'Unknown';
    if (known && waiting && known.spec === preparedAs(rev)) this.report(rev, known.ready, known.reason, known.message);
    else void this.prepare(rev);
  }

  private forget(rev: Revision): void {
    const k = revisionKey(rev.metadata.namespace, rev.metadata.name);
    this.revisions.delete(k);
    this.health.delete(k);
  }

  /** Something the revisions' health depends on changed: those `affected` are prepared and reported anew. */
  reprepare(affected: (rev: Revision) => boolean): void {
    for (const [k, rev] of this.revisions)
      if (affected(rev)) {
        this.health.delete(k);
        void this.prepare(rev);
      }
  }
}
