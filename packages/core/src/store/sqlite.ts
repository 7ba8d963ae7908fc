import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import type { Kind } from '../resources/kinds.js';
import type { AnyResource } from '../resources/types.js';
import { systemClock, type Clock } from '../clock.js';
import { FsBlobStore } from './blobs-fs.js';
import { WatcherSet } from './watchers.js';
import { stampCreate, stampUpdate } from './objects.js';
import {
  labelSelectorMatcher,
  type BlobStore,
  type ListOptions,
  type Store,
  type WatchEvent,
  type WatchOptions,
} from './store.js';

interface Row {
  body: string;
  rv: number;
}

/**
 * The embedded Store: one SQLite file (WAL) in the data dir, blobs as files beside it.
 * resourceVersion is a store-wide counter bumped in the same transaction as the write, so a
 * crash leaves either the old object or the new one. Watchers live in this process.
 */
export class SqliteStore implements Store {
  readonly blobs: BlobStore;
  private readonly db: Database.Database;
  private readonly watchers = new WatcherSet();
  private readonly clock: Clock;

  constructor(dataDir: string, deps: { clock?: Clock } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.clock = deps.clock ?? systemClock;
    this.db = new Database(join(dataDir, 'kedge.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS resources (
        kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
        rv INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name));
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('rv', 0);`);
    this.blobs = new FsBlobStore(join(dataDir, 'blobs'));
  }

  async get<T extends AnyResource = AnyResource>(kind: Kind, namespace: string, name: string): Promise<T | undefined> {
    return this.getSync<T>(kind, namespace, name);
  }

  private getSync<T extends AnyResource>(kind: Kind, namespace: string, name: string): T | undefined {
    const row = this.db
      .prepare<[string, string, string], Row>('SELECT body, rv FROM resources WHERE kind = ? AND namespace = ? AND name = ?')
      .get(kind, namespace, name);
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  async list<T extends AnyResource = AnyResource>(kind: Kind, opts: ListOptions = {}): Promise<{ items: T[]; resourceVersion: string }> {
    return this.listSync<T>(kind, opts);
  }

  private listSync<T extends AnyResource>(kind: Kind, opts: ListOptions): { items: T[]; resourceVersion: string } {
    const rows = opts.namespace
      ? this.db.prepare<[string, string], Row>('SELECT body, rv FROM resources WHERE kind = ? AND namespace = ? ORDER BY namespace, name').all(kind, opts.namespace)
      : this.db.prepare<[string], Row>('SELECT body, rv FROM resources WHERE kind = ? ORDER BY namespace, name').all(kind);
    const match = labelSelectorMatcher(opts.labelSelector);
    const items = rows.map((r) => JSON.parse(r.body) as T).filter((o) => match(o.metadata.labels));
    return { items, resourceVersion: String(this.currentRv()) };
  }

  private currentRv(): number {
    return (this.db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'rv'").get()?.value ?? 0);
  }

  private nextRv(): number {
    this.db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'rv'").run();
    return this.currentRv();
  }

  async create<T extends AnyResource>(obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    const stored = this.db.transaction(() => {
      if (this.getSync(obj.kind as Kind, namespace, name))
        throw new StoreError('AlreadyExists', `${obj.kind} ${namespace}/${name} already exists`);
      const next = stampCreate(obj, new Date(this.clock.now()).toISOString());
      const rv = this.nextRv();
      next.metadata.resourceVersion = String(rv);
      this.db
        .prepare('INSERT INTO resources (kind, namespace, name, rv, body) VALUES (?, ?, ?, ?, ?)')
        .run(obj.kind, namespace, name, rv, JSON.stringify(next));
      return next;
    })();
    this.watchers.emit({ type: 'ADDED', object: stored });
    return structuredClone(stored);
  }

  async update<T extends AnyResource>(obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    const stored = this.db.transaction(() => {
      const prev = this.getSync(obj.kind as Kind, namespace, name);
      if (!prev) throw new StoreError('NotFound', `${obj.kind} ${namespace}/${name} not found`);
      const want = obj.metadata.resourceVersion;
      if (want !== undefined && want !== '' && want !== prev.metadata.resourceVersion)
        throw new StoreError(
          'Conflict',
          `Operation cannot be fulfilled on ${obj.kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      const next = stampUpdate(prev, obj);
      const rv = this.nextRv();
      next.metadata.resourceVersion = String(rv);
      this.db
        .prepare('UPDATE resources SET rv = ?, body = ? WHERE kind = ? AND namespace = ? AND name = ?')
        .run(rv, JSON.stringify(next), obj.kind, namespace, name);
      return next;
    })();
    this.watchers.emit({ type: 'MODIFIED', object: stored });
    return structuredClone(stored);
  }

  async delete<T extends AnyResource = AnyResource>(
    kind: Kind,
    namespace: string,
    name: string,
    opts: { resourceVersion?: string } = {},
  ): Promise<T | undefined> {
    const gone = this.db.transaction(() => {
      const prev = this.getSync<T>(kind, namespace, name);
      if (!prev) return undefined;
      if (opts.resourceVersion && opts.resourceVersion !== prev.metadata.resourceVersion)
        throw new StoreError('Conflict', `${kind} ${namespace}/${name} has been modified`);
      this.db.prepare('DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?').run(kind, namespace, name);
      const rv = this.nextRv();
      prev.metadata.resourceVersion = String(rv);
      return prev;
    })();
    if (gone) this.watchers.emit({ type: 'DELETED', object: gone });
    return gone;
  }

  watch(opts: WatchOptions, handler: (ev: WatchEvent) => void): () => void {
    return this.watchers.watch(
      opts,
      handler,
      (kind) => this.listSync(kind, opts).items,
      () => this.db.prepare<[], { kind: string }>('SELECT DISTINCT kind FROM resources').all().map((r) => r.kind as Kind),
    );
  }

  async close(): Promise<void> {
    this.watchers.clear();
    this.db.close();
  }
}
