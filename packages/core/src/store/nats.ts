import { DeliverPolicy, JetStreamApiError, StorageType, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { connectNats, type NatsConnectOptions } from '../nats/connect.js';
import { KINDS, type Kind } from '../resources/kinds.js';
import type { AnyResource } from '../resources/types.js';
import { NatsBlobStore } from './blobs-nats.js';
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

export interface NatsStoreOptions {
  /** KV bucket holding every resource (default `kedge`). */
  bucket?: string;
  /** Object Store bucket holding component blobs (default `kedge-blobs`). */
  blobBucket?: string;
  /** Local directory caching blobs fetched by digest. */
  cacheDir: string;
  clock?: Clock;
  logger?: Logger;
  /** JetStream API timeout per operation (default 2000 ms). */
  timeoutMs?: number;
  /** Close the connection on close() (default true). */
  ownsConnection?: boolean;
}

const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);
const MAX_CAS_RETRIES = 20;
const encoder = new TextEncoder();

function isWrongLastSequence(err: unknown): boolean {
  if (err instanceof JetStreamApiError) return WRONG_LAST_SEQUENCE.has(err.code);
  return err instanceof Error && /wrong last sequence/i.test(err.message);
}

// Keys are `<kind>.<namespace>.<name>`. Kubernetes names may hold dots but never `=`, so a dot in a
// name or namespace is stored as `=`: every resource stays exactly three tokens, and watch filters work.
const TOKEN = /^[-\w=]+$/;
function token(field: string, value: string): string {
  const t = value.replaceAll('.', '=');
  if (!TOKEN.test(t))
    throw new StoreError(
      'Invalid',
      `${field}: "${value}" cannot be a NATS KV key token (letters, digits, '-', '_', '.')`,
    );
  return t;
}

function keyOf(kind: string, namespace: string, name: string): string {
  return `${token('kind', kind)}.${token('metadata.namespace', namespace)}.${token('metadata.name', name)}`;
}

function filterOf(opts: WatchOptions): string {
  const kind = opts.kind ? token('kind', opts.kind) : '*';
  const ns = opts.namespace ? token('metadata.namespace', opts.namespace) : '*';
  return `${kind}.${ns}.*`;
}

/** What the Store needs of a KV entry (from a get, a watch or a snapshot consumer). */
interface Entry {
  key: string;
  revision: number;
  value: Uint8Array;
}

interface Change extends Entry {
  deleted: boolean;
}

const decoder = new TextDecoder();

/** What a key alone says of a deleted object: kind, namespace, name (dots restored), and the delete's revision. */
function fromKey(key: string, revision: number): AnyResource {
  const [kind, namespace, name] = key.split('.').map((t) => t.replaceAll('=', '.')) as [Kind, string, string];
  const apiVersion = KINDS[kind]?.apiVersion ?? '';
  return { apiVersion, kind, metadata: { namespace, name, resourceVersion: String(revision) } } as AnyResource;
}

function toObject<T extends AnyResource>(e: Entry): T {
  const obj = JSON.parse(decoder.decode(e.value)) as T;
  obj.metadata.resourceVersion = String(e.revision);
  return obj;
}

function encode(obj: AnyResource): Uint8Array {
  // The revision is assigned by the server on write; it travels as the entry's revision, not in the body.
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return encoder.encode(JSON.stringify({ ...obj, metadata }));
}

/**
 * The distributed Store: resources in one JetStream KV bucket (file storage), resourceVersion = the
 * entry's KV revision (a bucket-wide sequence, so it increases across all objects), update and delete
 * as compare-and-swap on the revision. Watches are KV watches, resumed from the last revision seen
 * when the connection comes back. Blobs live in a JetStream Object Store.
 */
export class NatsStore implements Store {
  readonly blobs: BlobStore;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly watches = new Set<KvWatch>();
  private closed = false;

  private readonly stream: string;

  private constructor(
    readonly connection: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly bucket: string,
    private readonly kv: KV,
    blobs: BlobStore,
    private readonly ownsConnection: boolean,
    private readonly timeoutMs: number,
    clock: Clock,
    log: Logger,
  ) {
    this.stream = `KV_${bucket}`;
    this.blobs = blobs;
    this.clock = clock;
    this.log = log;
    void (async () => {
      for await (const s of connection.status()) {
        // A server restart loses the watchers' consumers; start them again from where they were.
        if (s.type === 'reconnect') for (const w of this.watches) w.resubscribe();
      }
    })().catch(() => undefined);
  }

  static async open(nc: NatsConnection, opts: NatsStoreOptions): Promise<NatsStore> {
    const log = opts.logger ?? silentLogger;
    let kv: KV;
    let blobs: NatsBlobStore;
    // A request caught by a server restart is lost; give up on it after 2 s (not the default 5 s)
    // so the caller's retry comes sooner.
    const timeoutMs = opts.timeoutMs ?? 2_000;
    const js = jetstream(nc, { timeout: timeoutMs });
    const bucket = opts.bucket ?? 'kedge';
    try {
      kv = await new Kvm(js).create(bucket, { history: 1, storage: StorageType.File });
      const objects = await new Objm(js).create(opts.blobBucket ?? 'kedge-blobs', { storage: StorageType.File });
      blobs = new NatsBlobStore(objects, opts.cacheDir, { logger: log });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(
        `nats: cannot open the JetStream KV/Object Store buckets on ${nc.getServer()} (${msg}); is nats-server running with -js?`,
      );
    }
    return new NatsStore(
      nc,
      js,
      bucket,
      kv,
      blobs,
      opts.ownsConnection ?? true,
      timeoutMs,
      opts.clock ?? systemClock,
      log,
    );
  }

  async get<T extends AnyResource = AnyResource>(kind: Kind, namespace: string, name: string): Promise<T | undefined> {
    const e = await this.kv.get(keyOf(kind, namespace, name));
    return e && e.operation === 'PUT' ? toObject<T>(e) : undefined;
  }

  /** The bucket's latest revision (its stream's last sequence). */
  async lastRevision(): Promise<number> {
    return (await this.kv.status()).streamInfo.state.last_seq;
  }

  /**
   * Latest entries under a key filter, with the bucket's last revision taken before reading them.
   * One ordered consumer delivering the last message per key: a single pass over the stream instead of
   * a key listing and a get per key (500 objects: ~40 ms instead of ~200 ms here).
   *
   * The pass ends after as many messages as the consumer had pending when it was made. The pending
   * count each message carries is not enough: nats-server 2.9 (Debian's) reports it one too high for
   * a last-per-subject consumer, so waiting for it to reach 0 hung about one list in ten. A key
   * rewritten during the pass loses its old message and delivers the new one in its place, so the
   * count still holds. A pass that stops delivering fails after the API timeout instead of hanging.
   */
  async snapshot(filter: string): Promise<{ entries: Entry[]; revision: number }> {
    const revision = await this.lastRevision();
    const prefix = `$KV.${this.bucket}.`;
    const oc = await this.js.consumers.getPushConsumer(this.stream, {
      filter_subjects: `${prefix}${filter}`,
      deliver_policy: DeliverPolicy.LastPerSubject,
    });
    const entries: Entry[] = [];
    // An ephemeral consumer would otherwise linger on the server for its inactivity threshold (5 min).
    const drop = () => void oc.delete().catch(() => undefined);
    const expected = (await oc.info(true)).num_pending;
    if (expected === 0) {
      drop();
      return { entries, revision };
    }
    const messages = await oc.consume();
    let received = 0;
    let stalled = false;
    // Wall-clock like the JetStream API timeout it mirrors (an injected test clock must not fire it),
    // restarted by every message: only a pass that stops delivering is cut.
    const timer = setTimeout(() => {
      stalled = true;
      messages.stop();
    }, this.timeoutMs);
    try {
      for await (const m of messages) {
        timer.refresh();
        received++;
        const op = m.headers?.get('KV-Operation');
        if (op !== 'DEL' && op !== 'PURGE')
          entries.push({ key: m.subject.slice(prefix.length), revision: m.seq, value: m.data });
        if (received >= expected || m.info.pending === 0) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
      drop();
    }
    if (stalled) throw new Error(`nats: listing ${filter} stalled after ${received} of ${expected} entries`);
    return { entries, revision };
  }

  /**
   * Every change under a key filter from a revision on (deletes included), as an ordered consumer;
   * stop() also deletes the consumer so none lingers on the server.
   */
  async follow(filter: string, fromRevision: number): Promise<{ changes: AsyncIterable<Change>; stop(): void }> {
    const prefix = `$KV.${this.bucket}.`;
    const oc = await this.js.consumers.getPushConsumer(this.stream, {
      filter_subjects: `${prefix}${filter}`,
      opt_start_seq: Math.max(1, fromRevision),
    });
    const messages = await oc.consume();
    return {
      changes: (async function* () {
        for await (const m of messages) {
          const op = m.headers?.get('KV-Operation');
          yield {
            key: m.subject.slice(prefix.length),
            revision: m.seq,
            value: m.data,
            deleted: op === 'DEL' || op === 'PURGE',
          };
        }
      })(),
      stop: () => {
        messages.stop();
        void oc.delete().catch(() => undefined);
      },
    };
  }

  async list<T extends AnyResource = AnyResource>(
    kind: Kind,
    opts: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    const { entries, revision } = await this.snapshot(filterOf({ ...opts, kind }));
    const match = labelSelectorMatcher(opts.labelSelector);
    const items = entries
      .map((e) => toObject<T>(e))
      .filter((o) => match(o.metadata.labels))
      .sort((a, b) =>
        a.metadata.namespace === b.metadata.namespace
          ? a.metadata.name.localeCompare(b.metadata.name)
          : a.metadata.namespace.localeCompare(b.metadata.namespace),
      );
    const newest = Math.max(revision, ...entries.map((e) => e.revision));
    return { items, resourceVersion: String(newest) };
  }

  async create<T extends AnyResource>(obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    const key = keyOf(obj.kind, namespace, name);
    const next = stampCreate(obj, new Date(this.clock.now()).toISOString());
    try {
      const rev = await this.kv.create(key, encode(next));
      next.metadata.resourceVersion = String(rev);
      return next;
    } catch (err) {
      if (isWrongLastSequence(err)) throw alreadyExists(obj.kind, namespace, name);
      throw err;
    }
  }

  async update<T extends AnyResource>(obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    const key = keyOf(obj.kind, namespace, name);
    const want = obj.metadata.resourceVersion;
    for (let attempt = 0; ; attempt++) {
      const e = await this.kv.get(key);
      if (e?.operation !== 'PUT') throw notFound(obj.kind, namespace, name);
      if (want !== undefined && want !== '' && want !== String(e.revision)) throw conflict(obj.kind, name);
      const next = stampUpdate(toObject(e), obj);
      try {
        const rev = await this.kv.update(key, encode(next), e.revision);
        next.metadata.resourceVersion = String(rev);
        return next;
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
        // Someone wrote in between: a versioned update conflicts; an unversioned one tries again.
        if ((want !== undefined && want !== '') || attempt >= MAX_CAS_RETRIES) throw conflict(obj.kind, name);
      }
    }
  }

  async delete<T extends AnyResource = AnyResource>(
    kind: Kind,
    namespace: string,
    name: string,
    opts: { resourceVersion?: string } = {},
  ): Promise<T | undefined> {
    const key = keyOf(kind, namespace, name);
    for (let attempt = 0; ; attempt++) {
      const e = await this.kv.get(key);
      if (e?.operation !== 'PUT') return undefined;
      if (opts.resourceVersion && opts.resourceVersion !== String(e.revision)) throw modified(kind, namespace, name);
      try {
        await this.kv.delete(key, { previousSeq: e.revision });
        return toObject<T>(e);
      } catch (err) {
        if (!isWrongLastSequence(err)) throw err;
        if (opts.resourceVersion || attempt >= MAX_CAS_RETRIES) throw modified(kind, namespace, name);
      }
    }
  }

  watch(opts: WatchOptions, handler: (ev: WatchEvent) => void): () => void {
    const w = new KvWatch(this, opts, handler, this.clock, this.log, () => this.watches.delete(w));
    this.watches.add(w);
    w.start();
    return () => w.stop();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) w.stop();
    if (this.ownsConnection && !this.connection.isClosed()) await this.connection.close();
  }
}

/**
 * One Store watch: a snapshot (ADDED for each existing object), then the KV's changes from the
 * revision the snapshot started at. Remembers the objects it reported so a delete can carry the object
 * and a replayed change is not reported twice. The bucket keeps one version per key, so changes the
 * watch had not read yet when a newer one replaced them arrive as one event (like a Kubernetes watch
 * after compaction): consumers are level-based and always end at the latest state.
 */
class KvWatch {
  private stopped = false;
  private synced = false;
  private announced = false;
  private readonly known = new Map<string, AnyResource>();
  private lastRevision = 0;
  /** With `since`: changes up to this revision are the replay (written before the watch began). */
  private replayUntil = 0;
  private iter: { stop(): void } | undefined;
  private generation = 0;
  private retryTimer: TimerHandle | undefined;
  private readonly match: (labels?: Record<string, string>) => boolean;
  private readonly filter: string;

  constructor(
    private readonly store: NatsStore,
    private readonly opts: WatchOptions,
    private readonly handler: (ev: WatchEvent) => void,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onStop: () => void,
  ) {
    this.match = labelSelectorMatcher(opts.labelSelector);
    this.filter = filterOf(opts);
  }

  start(): void {
    void this.run(++this.generation, 0);
  }

  /** Drops the current KV watcher and follows again from the last revision seen. */
  resubscribe(): void {
    if (this.stopped || !this.synced) return;
    this.iter?.stop();
    this.iter = undefined;
    void this.run(++this.generation, 0);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.iter?.stop();
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer);
    this.onStop();
  }

  private async run(gen: number, failures: number): Promise<void> {
    try {
      if (!this.synced && this.opts.since !== undefined) {
        // The bucket keeps each key's last write or delete marker, so following from `since` replays
        // exactly what changed after it, compacted per key: no resourceVersion is ever too old here.
        this.replayUntil = await this.store.lastRevision();
        if (this.stopped || gen !== this.generation) return;
        this.lastRevision = Number(this.opts.since);
        this.synced = true;
      }
      if (!this.synced) {
        const { entries, revision } = await this.store.snapshot(this.filter);
        if (this.stopped || gen !== this.generation) return;
        for (const e of entries.sort((a, b) => a.revision - b.revision)) {
          const obj = toObject(e);
          this.known.set(e.key, obj);
          if (this.opts.initial !== false) this.emit('ADDED', obj);
        }
        // Replays from the snapshot's start are filtered out per key below.
        this.lastRevision = revision;
        this.synced = true;
      }
      const iter = await this.store.follow(this.filter, this.lastRevision + 1);
      if (this.stopped || gen !== this.generation) {
        iter.stop();
        return;
      }
      this.iter = iter;
      failures = 0;
      // Synced once the live feed is attached: a write made after this is seen as its own event.
      if (!this.announced) {
        this.announced = true;
        this.opts.onSynced?.();
      }
      for await (const e of iter.changes) {
        if (this.stopped || gen !== this.generation) break;
        this.apply(e);
      }
    } catch (err) {
      if (this.stopped || gen !== this.generation) return;
      this.log.warn({ err, filter: this.filter }, 'store watch failed; retrying');
      failures++;
    }
    if (this.stopped || gen !== this.generation) return;
    // The watcher ended without being stopped (server gone, consumer lost): follow again.
    const delay = Math.min(2_000, 100 * 2 ** Math.min(failures, 5));
    this.retryTimer = this.clock.setTimeout(() => {
      if (!this.stopped && gen === this.generation) void this.run(++this.generation, failures);
    }, delay);
  }

  private apply(e: Change): void {
    const prev = this.known.get(e.key);
    // Changes between the snapshot's start revision and its reads arrive again: report each once.
    if (prev && Number(prev.metadata.resourceVersion) >= e.revision) return;
    this.lastRevision = Math.max(this.lastRevision, e.revision);
    const replayed = e.revision <= this.replayUntil;
    if (!e.deleted) {
      const obj = toObject(e);
      this.known.set(e.key, obj);
      this.emit(prev || replayed ? 'MODIFIED' : 'ADDED', obj);
    } else if (prev) {
      this.known.delete(e.key);
      const gone = structuredClone(prev);
      gone.metadata.resourceVersion = String(e.revision);
      this.emit('DELETED', gone);
    } else if (replayed) {
      // Deleted after `since`, never seen by this watch: a delete marker has no body, only its key.
      this.emit('DELETED', fromKey(e.key, e.revision), true);
    }
  }

  /** `anyLabels`: an object known only by its key cannot be matched by labels; the watcher gets it. */
  private emit(type: WatchEvent['type'], object: AnyResource, anyLabels = false): void {
    if (this.stopped || (!anyLabels && !this.match(object.metadata.labels))) return;
    try {
      this.handler({ type, object: structuredClone(object) });
    } catch (err) {
      // A watcher's failure is its own; the write has already happened.
      this.log.error({ err }, 'store watch handler failed');
    }
  }
}

/** Connects to NATS and opens the Store on it (the Store owns that connection). */
export async function connectNatsStore(
  opts: NatsConnectOptions & Omit<NatsStoreOptions, 'ownsConnection'>,
): Promise<NatsStore> {
  const nc = await connectNats(opts);
  try {
    return await NatsStore.open(nc, { ...opts, ownsConnection: true });
  } catch (err) {
    await nc.close();
    throw err;
  }
}
