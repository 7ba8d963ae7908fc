import type { Logger } from '@kedge/core';
import type { RevisionRef } from './table.js';

/** Deleted revisions remembered at most; older ones are found again with a store read. */
const MAX_GONE = 10_000;

/**
 * Which revisions are gone, so a request for one gets its answer at once instead of waiting in the
 * activator for an instance that will never come. Knative's activator looks the revision up before it
 * holds anything and answers at once when the lister has none
 * (https://github.com/knative/serving/blob/main/pkg/activator/handler/context_handler.go).
 *
 * The Revision watch says what was deleted while this gateway ran. A revision deleted before it
 * started is asked for in the store, but only for a Route that reports a missing revision
 * (`AllTrafficAssigned: False, RevisionMissing`): a healthy Route's targets are trusted, since a
 * Route may name a revision this gateway's watch has not delivered yet.
 */
export class KnownRevisions {
  private readonly present = new Set<string>();
  /** Insertion-ordered, so the oldest is dropped first past MAX_GONE. */
  private readonly gone = new Set<string>();
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly deps: {
      /** Whether the store holds the revision; throws when the store cannot be reached. */
      exists: (namespace: string, name: string) => Promise<boolean>;
      logger: Logger;
    },
  ) {}

  added(key: string): void {
    this.present.add(key);
    this.gone.delete(key);
  }

  deleted(key: string): void {
    this.present.delete(key);
    this.markGone(key);
  }

  /** Deleted while this gateway watched: known without asking. */
  isGone(key: string): boolean {
    return this.gone.has(key);
  }

  /**
   * For a target of a Route that reports a missing revision: whether the store has it no more. One
   * read per revision at a time; an unreachable store counts as "still there", so the gateway keeps
   * routing from what it holds.
   */
  async confirmGone(ref: RevisionRef): Promise<boolean> {
    if (this.gone.has(ref.key)) return true;
    if (this.present.has(ref.key)) return false;
    let pending = this.asking.get(ref.key);
    if (!pending) {
      pending = this.deps
        .exists(ref.namespace, ref.revision)
        .then(
          (found) => {
            // The watch may have seen it appear while the read was on its way.
            if (found || this.present.has(ref.key)) return false;
            this.markGone(ref.key);
            return true;
          },
          (err: unknown) => {
            this.deps.logger.warn(
              { err, revision: ref.key },
              'could not check whether the revision exists; routing to it',
            );
            return false;
          },
        )
        .finally(() => this.asking.delete(ref.key));
      this.asking.set(ref.key, pending);
    }
    return pending;
  }

  private markGone(key: string): void {
    this.gone.delete(key);
    this.gone.add(key);
    if (this.gone.size > MAX_GONE) this.gone.delete(this.gone.values().next().value!);
  }
}
