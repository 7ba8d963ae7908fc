import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Kind } from '../resources/kinds.js';
import type { AnyResource } from '../resources/types.js';
import { systemClock, type Clock } from '../clock.js';
import { FsBlobStore } from './blobs-fs.js';
import { WatcherSet } from './watchers.js';
import { stampCreate, stampUpdate } from './objects.js';
import { alreadyExists, conflict, modified, notFound } from './store-errors.js';
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

/** Deletions kept for watches resuming from a resourceVersion; older ones answer Expired. */
const DEFAULT_TOMBSTONES = 1000;

/**
 * The embedded Store: one SQLite file (WAL) in the data dir, blobs as files beside it.
 * resourceVersion is a store-wide counter bumped in the same transaction as the write, so a
 * crash leaves either the old object or the new one. Watchers live in this process. The last
 * deletions are kept as tombstones (in the delete's transaction), so a watch resuming from a
 * resourceVersion learns what was deleted meanwhile; one from before the oldest kept is Expired.
 */
export class SqliteStore implements Store {
  readonly blobs: BlobStore;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private readonly watchers = new WatcherSet();
  private readonly clock: Clock;

  private readonly tombstoneLimit: number;

  /** `tombstones`: deletions remembered for watches that resume from a resourceVersion. */
  constructor(dataDir: string, deps: { clock?: Clock; tombstones?: number } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.clock = deps.clock ?? systemClock;
    this.db = new DatabaseSync(join(dataDir, 'kedge.db'));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS resources (
        kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
        rv INTEGER NOT NULL, body TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name));
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT OR IGNORE INTO meta (key, value) VALUES ('rv', 0);
      CREATE TABLE IF NOT EXISTS tombstones (
        rv INTEGER PRIMARY KEY, kind TEXT NOT NULL, namespace TEXT NOT NULL, body TEXT NOT NULL);
      -- Deletions before tombstones existed are unknown: a data dir from then starts compacted at its rv.
      INSERT OR IGNORE INTO meta (key, value) SELECT 'compacted', value FROM meta WHERE key = 'rv';`);
    this.tombstoneLimit = deps.tombstones ?? DEFAULT_TOMBSTONES;
    this.blobs = new FsBlobStore(join(dataDir, 'blobs'));
  }

  async get<T extends AnyResource = AnyResource>(kind: Kind, namespace: string, name: string): Promise<T | undefined> {
    return this.getSync<T>(kind, namespace, name);
  }

  private getSync<T extends AnyResource>(kind: Kind, namespace: string, name: string): T | undefined {
    const row = this.one<Row>(
      'SELECT body, rv FROM resources WHERE kind = ? AND namespace = ? AND name = ?',
      kind,
      namespace,
      name,
    );
    return row ? (JSON.parse(row.body) as T) : undefined;
  }

  async list<T extends AnyResource = AnyResource>(
    kind: Kind,
    opts: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    return this.listSync<T>(kind, opts);
  }

  private listSync<T extends AnyResource>(kind: Kind, opts: ListOptions): { items: T[]; resourceVersion: string } {
    const rows = opts.namespace
      ? this.all<Row>(
          'SELECT body, rv FROM resources WHERE kind = ? AND namespace = ? ORDER BY namespace, name',
          kind,
          opts.namespace,
        )
      : this.all<Row>('SELECT body, rv FROM resources WHERE kind = ? ORDER BY namespace, name', kind);
    const match = labelSelectorMatcher(opts.labelSelector);
    const items = rows.map((r) => JSON.parse(r.body) as T).filter((o) => match(o.metadata.labels));
    return { items, resourceVersion: String(this.currentRv()) };
  }

  private currentRv(): number {
    return this.one<{ value: number }>("SELECT value FROM meta WHERE key = 'rv'")?.value ?? 0;
  }

  private nextRv(): number {
    this.run("UPDATE meta SET value = value + 1 WHERE key = 'rv'");
    return this.currentRv();
  }

  async create<T extends AnyResource>(obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    const stored = this.transaction(() => {
      if (this.getSync(obj.kind as Kind, namespace, name)) throw alreadyExists(obj.kind, namespace, name);
      const next = stampCreate(obj, new Date(this.clock.now()).toISOString());
      const rv = this.nextRv();
      next.metadata.resourceVersion = String(rv);
      this.run(
        'INSERT INTO resources (kind, namespace, name, rv, body) VALUES (?, ?, ?, ?, ?)',
        obj.kind,
        namespace,
        name,
        rv,
        JSON.stringify(next),
      );
      return next;
    });
    this.watchers.emit({ type: 'ADDED', object: stored });
    return structuredClone(stored);
  }

  async update<T extends AnyResource>(obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    const stored = this.transaction(() => {
      const prev = this.getSync(obj.kind as Kind, namespace, name);
      if (!prev) throw notFound(obj.kind, namespace, name);
      const want = obj.metadata.resourceVersion;
      if (want !== undefined && want !== '' && want !== prev.metadata.resourceVersion) throw conflict(obj.kind, name);
      const next = stampUpdate(prev, obj);
      const rv = this.nextRv();
      next.metadata.resourceVersion = String(rv);
      this.run(
        'UPDATE resources SET rv = ?, body = ? WHERE kind = ? AND namespace = ? AND name = ?',
        rv,
        JSON.stringify(next),
        obj.kind,
        namespace,
        name,
      );
      return next;
    });
    this.watchers.emit({ type: 'MODIFIED', object: stored });
    return structuredClone(stored);
  }

  async delete<T extends AnyResource = AnyResource>(
    kind: Kind,
    namespace: string,
    name: string,
    opts: { resourceVersion?: string } = {},
  ): Promise<T | undefined> {
    const gone = this.transaction(() => {
      const prev = this.getSync<T>(kind, namespace, name);
      if (!prev) return undefined;
      if (opts.resourceVersion && opts.resourceVersion !== prev.metadata.resourceVersion)
        throw modified(kind, namespace, name);
      this.run('DELETE FROM resources WHERE kind = ? AND namespace = ? AND name = ?', kind, namespace, name);
      const rv = this.nextRv();
      prev.metadata.resourceVersion = String(rv);
      this.run(
        'INSERT INTO tombstones (rv, kind, namespace, body) VALUES (?, ?, ?, ?)',
        rv,
        kind,
        namespace,
        JSON.stringify(prev),
      );
      const cut = this.one<{ rv: number }>(
        'SELECT rv FROM tombstones ORDER BY rv DESC LIMIT 1 OFFSET ?',
        this.tombstoneLimit,
      )?.rv;
      if (cut !== undefined) {
        this.run('DELETE FROM tombstones WHERE rv <= ?', cut);
        this.run("UPDATE meta SET value = ? WHERE key = 'compacted'", cut);
      }
      return prev;
    });
    if (gone) this.watchers.emit({ type: 'DELETED', object: gone });
    return gone;
  }

  watch(opts: WatchOptions, handler: (ev: WatchEvent) => void): () => void {
    if (opts.since !== undefined) {
      const since = Number(opts.since);
      const compacted = this.one<{ value: number }>("SELECT value FROM meta WHERE key = 'compacted'")?.value ?? 0;
      if (since < compacted) {
        opts.onExpired?.(`too old resource version: ${opts.since} (${compacted})`);
        return () => undefined;
      }
      return this.watchers.watch(opts, handler, () => this.changesSince(since, opts));
    }
    return this.watchers.watch(opts, handler, () =>
      WatcherSet.listing(
        opts,
        (kind) => this.listSync(kind, opts).items,
        () => this.all<{ kind: string }>('SELECT DISTINCT kind FROM resources').map((r) => r.kind as Kind),
      ),
    );
  }

  /** Objects written after `since` as MODIFIED and tombstones after it as DELETED, in rv order. */
  private changesSince(since: number, opts: WatchOptions): WatchEvent[] {
    const where = `rv > ?${opts.kind ? ' AND kind = ?' : ''}${opts.namespace ? ' AND namespace = ?' : ''}`;
    const args: SQLInputValue[] = [
      since,
      ...(opts.kind ? [opts.kind] : []),
      ...(opts.namespace ? [opts.namespace] : []),
    ];
    const written = this.all<Row>(`SELECT body, rv FROM resources WHERE ${where}`, ...args);
    const deleted = this.all<Row>(`SELECT body, rv FROM tombstones WHERE ${where}`, ...args);
    const match = labelSelectorMatcher(opts.labelSelector);
    return [
      ...written.map((r): [number, WatchEvent] => [
        r.rv,
        { type: 'MODIFIED', object: JSON.parse(r.body) as AnyResource },
      ]),
      ...deleted.map((r): [number, WatchEvent] => [
        r.rv,
        { type: 'DELETED', object: JSON.parse(r.body) as AnyResource },
      ]),
    ]
      .filter(([, ev]) => match(ev.object.metadata.labels))
      .sort((a, b) => a[0] - b[0])
      .map(([, ev]) => ev);
  }

  /** Statements are prepared once per SQL text: node:sqlite does not cache them itself. */
  private statement(sql: string): StatementSync {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  private one<T>(sql: string, ...args: SQLInputValue[]): T | undefined {
    return this.statement(sql).get(...args) as T | undefined;
  }

  private all<T>(sql: string, ...args: SQLInputValue[]): T[] {
    return this.statement(sql).all(...args) as T[];
  }

  private run(sql: string, ...args: SQLInputValue[]): void {
    this.statement(sql).run(...args);
  }

  /** node:sqlite has no transaction helper: BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on a throw. */
  private transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  async close(): Promise<void> {
    this.watchers.clear();
    this.db.close();
  }
}
