import type { Kind } from '../resources/kinds.js';
import type { AnyResource } from '../resources/types.js';
import { labelSelectorMatcher, type WatchEvent, type WatchOptions } from './store.js';

interface Watcher {
  opts: WatchOptions;
  match: (labels?: Record<string, string>) => boolean;
  handler: (ev: WatchEvent) => void;
}

/**
 * An in-process Store's watch: the current objects, then every write the Store emits, filtered by kind,
 * namespace and labels, one copy per watcher.
 */
export class WatcherSet {
  private readonly watchers = new Set<Watcher>();

  /**
   * `list(kind)` gives the objects of a kind matching the options' namespace and labels; `kinds()` the
   * kinds stored, for a watch of every kind. Synchronous, so no write falls between the listing and
   * the live events; onSynced fires once both are in place.
   */
  watch(
    opts: WatchOptions,
    handler: (ev: WatchEvent) => void,
    list: (kind: Kind) => AnyResource[],
    kinds: () => Kind[],
  ): () => void {
    if (opts.initial !== false)
      for (const k of opts.kind ? [opts.kind] : kinds()) for (const object of list(k)) handler({ type: 'ADDED', object });
    const w: Watcher = { opts, match: labelSelectorMatcher(opts.labelSelector), handler };
    this.watchers.add(w);
    opts.onSynced?.();
    return () => void this.watchers.delete(w);
  }

  emit(ev: WatchEvent): void {
    const o = ev.object;
    for (const w of this.watchers) {
      if (w.opts.kind && w.opts.kind !== o.kind) continue;
      if (w.opts.namespace && w.opts.namespace !== o.metadata.namespace) continue;
      if (!w.match(o.metadata.labels)) continue;
      try {
        w.handler({ type: ev.type, object: structuredClone(o) });
      } catch {
        // A watcher's failure is its own; the write has already happened.
      }
    }
  }

  clear(): void {
    this.watchers.clear();
  }
}
