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
   * `initial()` gives the events the watch starts with: the listing (see `listing`), or a replay since a
   * resourceVersion. Synchronous, so no write falls between them and the live events; onSynced fires
   * once both are in place.
   */
  watch(opts: WatchOptions, handler: (ev: WatchEvent) => void, initial: () => WatchEvent[]): () => void {
    for (const ev of initial()) handler(ev);
    const w: Watcher = { opts, match: labelSelectorMatcher(opts.labelSelector), handler };
    this.watchers.add(w);
    opts.onSynced?.();
    return () => void this.watchers.delete(w);
  }

  /**
   * A plain watch's first events: ADDED for each object `list(kind)` gives (matching the options'
   * namespace and labels), over the watched kind or every kind `kinds()` names.
   */
  static listing(opts: WatchOptions, list: (kind: Kind) => AnyResource[], kinds: () => Kind[]): WatchEvent[] {
    if (opts.initial === false) return [];
    return (opts.kind ? [opts.kind] : kinds()).flatMap((k) =>
      list(k).map((object): WatchEvent => ({ type: 'ADDED', object })),
    );
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
