import { labelSelectorMatcher, type WatchEvent, type WatchOptions } from './store.js';

interface Watcher {
  opts: WatchOptions;
  match: (labels?: Record<string, string>) => boolean;
  handler: (ev: WatchEvent) => void;
}

/** The live half of an in-process Store's watch: filters by kind, namespace and labels, one copy per watcher. */
export class WatcherSet {
  private readonly watchers = new Set<Watcher>();

  add(opts: WatchOptions, handler: (ev: WatchEvent) => void): () => void {
    const w: Watcher = { opts, match: labelSelectorMatcher(opts.labelSelector), handler };
    this.watchers.add(w);
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
