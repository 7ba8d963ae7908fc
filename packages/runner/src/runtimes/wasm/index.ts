import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  awaitsImageResolution,
  componentDigest,
  CPU_LIMIT_ANNOTATION,
  DEFAULT_RUNNER_CONFIG,
  markCompleteResponse,
  parseQuantity,
  readCpuLimitMs,
  readInstancePerRequest,
  readOutboundPolicy,
  readWarmInstances,
  resolvedRuntime,
  type Logger,
  type Revision,
  type Store,
  type Cancellation,
} from '@kedge/core';
import type { InstanceLogSink } from '../../logs/sink.js';
import { INTERNAL_HEADERS, RevisionLoadError, jsonError, revisionEnv } from '../runtime.js';
import type { Runtime, RuntimeInstance, Timings } from '../runtime.js';
import { GuestUsage } from '../usage.js';
import { ComponentCache, ComponentLoadError } from './compile.js';
import { MemoryLimitError } from './memory-limit.js';
import { GuestFailure, WorkerPool, type GuestResponse, type RequestOptions } from './pool.js';
import { Replica } from './replica.js';
import { createOutbound, type GatewayTarget } from './outbound.js';
import type { CompiledComponent, InstanceSpec, RequestInit } from './protocol.js';

export { ComponentLoadError } from './compile.js';
export { WORKER_FILE } from './pool.js';
export { HOPS_HEADER, MAX_HOPS } from './outbound.js';

/** Linear memory cap when the revision sets no `resources.limits.memory`. */
export const DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024;
/** Request body bytes sent with the request; a guest pulls the rest while it reads. */
const FIRST_BODY_BYTES = 64 * 1024;
const LOG_LIMIT = 16 * 1024;

export interface WasmRuntimeOptions {
  store: Store;
  logger: Logger;
  dataDir: string;
  workers?: number;
  spares?: number;
  /**
   * Workers the pool may grow to while every worker is held by a guest that does not yield. This
   * and the next two may be functions, read each time they are needed (config-kedge-runner changes).
   */
  maxWorkers?: number | (() => number | undefined);
  /** Guest instances per replica when containerConcurrency is 0 (and at most, whatever it says). */
  maxGuestsPerReplica?: number | (() => number);
  /** Default of annotation kedge.dev/cpu-limit-ms. */
  cpuLimitMs?: number | (() => number);
  /** Where guests' requests to `{name}.{ns}.svc.cluster.local` go. */
  gateway?: GatewayTarget;
  /** Guests' wasi:cli stdout and stderr, by instance. */
  output?: InstanceLogSink;
  /** A request's guest trapped, exited, ran out of time or CPU (the runner reports it as an Event). */
  onGuestFailure?: (instanceId: string, kind: string, message: string) => void;
}

const read = <T>(v: T | (() => T)): T => (typeof v === 'function' ? (v as () => T)() : v);
/** A synchronous guest's calls run one after another on its worker: more instances than this per worker gain nothing. */
const SYNC_GUESTS_PER_WORKER = 2;
/**
 * Calls posted ahead to one synchronous guest (the pool's pipeline depth): its worker runs them back
 * to back instead of idling for a main-thread round trip after each (tiny hello through `kedge up`,
 * one replica: 1.1k req/s with one call per guest, see docs/runner.md).
 */
const SYNC_CALLS_PER_GUEST = 16;

/** WebAssembly components (wasi:http/proxy 0.2.x) run through jco in guest worker threads. */
export class WasmRuntime implements Runtime {
  readonly kind = 'wasm';
  readonly pool: WorkerPool;
  readonly cache: ComponentCache;
  private readonly warm = new Map<string, string[]>();
  private readonly warming = new Set<string>();
  /**
   * Revisions prepared and not released since: only these keep warm guests and count as users of a
   * compiled component. (An instance may start before its revision is prepared; it runs, and the
   * warm guests come with the prepare.)
   */
  private readonly live = new Set<string>();
  /** Revisions using each compiled component (by key): the last one released evicts it. */
  private readonly users = new Map<string, Set<string>>();
  private nextGuest = 1;
  /** Warm guests claimed by an instance (their id names the revision, not the instance). */
  private readonly guestOwners = new Map<string, string>();

  constructor(private readonly opts: WasmRuntimeOptions) {
    this.cache = new ComponentCache(join(opts.dataDir, 'wasm-cache'));
    this.pool = new WorkerPool({
      workers: opts.workers ?? Math.max(1, availableParallelism()),
      spares: opts.spares ?? 1,
      ...(opts.maxWorkers !== undefined ? { maxWorkers: opts.maxWorkers } : {}),
      logger: opts.logger,
      outbound: createOutbound(opts.gateway ?? {}),
      output: (guest, stream, text) =>
        opts.output?.write(this.guestOwners.get(guest) ?? guest.slice(0, guest.lastIndexOf('.')), stream, text),
    });
  }

  async prepare(rev: Revision): Promise<void> {
    this.live.add(revisionKey(rev));
    await this.compiled(rev, {});
    this.keepWarm(rev);
  }

  release(rev: Revision): void {
    const k = revisionKey(rev);
    this.live.delete(k);
    for (const id of this.warm.get(k) ?? []) this.pool.drop(id);
    this.warm.delete(k);
    for (const [key, revisions] of this.users) {
      if (!revisions.delete(k) || revisions.size) continue;
      this.users.delete(key);
      this.cache.evict(key);
      this.pool.forget(key);
    }
  }

  /**
   * Keeps instantiated, unclaimed guests per revision (annotation kedge.dev/warm-instances, default
   * 2): a start then claims one and pays neither a worker round trip nor instantiation.
   */
  private keepWarm(rev: Revision): void {
    const k = revisionKey(rev);
    // A replenish timer of a deleted revision's last instance may still fire.
    if (!this.live.has(k)) return;
    // Two warm guests by default (measured: cold-start p50 −1 ms, activator hold −0.4 ms; docs/runner.md).
    const want = readWarmInstances(rev);
    if (this.warming.has(k) || (this.warm.get(k)?.length ?? 0) >= want) return;
    this.warming.add(k);
    const id = `${rev.metadata.name}.warm-${this.nextGuest++}`;
    void this.compiled(rev, {})
      .then((c) => this.pool.instantiate(specFor(rev, id), c, true))
      .then(
        () => {
          if (!this.live.has(k)) this.pool.drop(id);
          else {
            const list = this.warm.get(k) ?? [];
            list.push(id);
            this.warm.set(k, list);
          }
        },
        () => this.pool.drop(id),
      )
      .finally(() => {
        this.warming.delete(k);
        if (this.live.has(k) && (this.warm.get(k)?.length ?? 0) < want) this.keepWarm(rev);
      });
  }

  private async compiled(rev: Revision, timings: Timings): Promise<CompiledComponent> {
    const container = rev.spec.containers[0];
    const image = container?.image ?? '';
    const digest = componentDigest(rev);
    const artifactType = rev.status?.resolvedImage?.artifactType ?? 'its registry skips tag resolution';
    if (resolvedRuntime(rev) === 'container')
      throw new RevisionLoadError(
        'NotAComponent',
        `spec.containers[0].image: "${image}" is a container image (${artifactType}), ` +
          'not a WebAssembly component published as a wasm OCI artifact',
      );
    if (!digest && awaitsImageResolution(rev))
      throw new RevisionLoadError(
        'ResolvingDigests',
        `spec.containers[0].image: "${image}" is being resolved to a digest; try again in a moment`,
      );
    if (!digest)
      throw new RevisionLoadError(
        'ImageNotResolved',
        `spec.containers[0].image: "${image}" has no sha256 digest; ` +
          'apply the manifest with `kedge apply` so the .wasm file is uploaded',
      );
    let maxPages: number | undefined = Math.floor(DEFAULT_MEMORY_LIMIT / 65536);
    const limit = container?.resources?.limits?.memory;
    if (limit !== undefined) {
      const bytes = parseQuantity(limit);
      if (bytes === undefined)
        throw new RevisionLoadError(
          'InvalidMemoryLimit',
          `spec.containers[0].resources.limits.memory: "${limit}" is not a quantity like 128Mi`,
        );
      maxPages = Math.max(1, Math.floor(bytes / 65536));
    }
    const t0 = performance.now();
    let fetched = 0;
    try {
      const c = await this.cache.compile(
        digest,
        async () => {
          const f0 = performance.now();
          const blob = await this.opts.store.blobs.get(digest);
          fetched = performance.now() - f0;
          if (!blob)
            throw new RevisionLoadError(
              'ImageNotFound',
              `spec.containers[0].image: no blob ${digest} in the store; apply the manifest again to upload it`,
            );
          return blob;
        },
        maxPages,
      );
      timings.fetch = fetched;
      timings.compile = performance.now() - t0 - fetched;
      const k = revisionKey(rev);
      if (this.live.has(k)) {
        let revisions = this.users.get(c.key);
        if (!revisions) this.users.set(c.key, (revisions = new Set()));
        revisions.add(k);
        this.pool.want(c.key);
      }
      return c;
    } catch (err) {
      if (err instanceof RevisionLoadError) throw err;
      if (err instanceof ComponentLoadError)
        throw new RevisionLoadError(err.reason, `spec.containers[0].image: ${err.message}`);
      if (err instanceof MemoryLimitError) throw new RevisionLoadError('MemoryLimitTooLow', err.message);
      throw new RevisionLoadError(
        'CompileFailed',
        `spec.containers[0].image: the component failed to compile: ${(err as Error).message}`,
      );
    }
  }

  async start(rev: Revision, instanceId: string, timings: Timings): Promise<RuntimeInstance> {
    const component = await this.compiled(rev, timings);
    const revision = revisionKey(rev);
    const perRequest = instancePerRequest(rev, component.fetchEvent);
    const pool = this.pool;
    const cc = rev.spec.containerConcurrency ?? 0;
    // Longest a guest may hold the CPU without waiting, per request; timeoutSeconds also counts waiting.
    const cpuLimitMs = readCpuLimitMs(rev, read(this.opts.cpuLimitMs ?? DEFAULT_RUNNER_CONFIG.cpuLimitMs));
    // A claimed warm guest is replaced after the next request has been answered (or a moment later),
    // so that request never waits behind an instantiation on the same worker.
    let replenishDue = false;
    const replenishNow = () => {
      if (!replenishDue) return;
      replenishDue = false;
      this.keepWarm(rev);
    };
    const replenish = () => {
      replenishDue = true;
      setTimeout(replenishNow, REPLENISH_DELAY_MS).unref();
    };
    /** Guests are known to the pool by their own id: a warm one existed before this instance did. */
    const claim = async (t: Timings): Promise<string> => {
      const i0 = performance.now();
      const warm = this.warm.get(revision)?.shift();
      if (warm) {
        // Server-Timing friendly: `instantiate` is always the time to a ready guest; `warm` says it was made ahead.
        t.instantiate = performance.now() - i0;
        t.warm = 1;
        this.guestOwners.set(warm, instanceId);
        replenish();
        return warm;
      }
      const guest = `${instanceId}.${this.nextGuest++}`;
      try {
        await pool.instantiate(specFor(rev, guest), component);
      } catch (err) {
        pool.drop(guest);
        throw new RevisionLoadError(
          'InstantiateFailed',
          `the component could not be instantiated: ${(err as Error).message}`,
        );
      }
      t.instantiate = performance.now() - i0;
      return guest;
    };
    const answer = (r: GuestResponse): Response => {
      if (r.body instanceof Uint8Array)
        return markCompleteResponse(
          new Response(r.body.length === 0 || nullBody(r.status) ? null : r.body, {
            status: r.status,
            headers: r.headers,
          }),
        );
      if (nullBody(r.status)) void r.body.cancel();
      return new Response(nullBody(r.status) ? null : r.body, { status: r.status, headers: r.headers });
    };
    const failed = (err: unknown): Response => {
      if (err instanceof GuestFailure) {
        if (REPORTED_FAILURES.has(err.kind)) this.opts.onGuestFailure?.(instanceId, err.kind, err.message);
        return failureResponse(err, revision);
      }
      if (err instanceof RevisionLoadError) return jsonError(502, err.reason, err.message, { revision });
      throw err;
    };
    // No async wrapper on the common path (no request body): each await is a microtask turn per request.
    const usage = new GuestUsage();
    const serve = (
      guest: string,
      req: Request,
      cancel: Cancellation,
      onEnd: () => void,
      keep = true,
    ): Promise<Response> => {
      // A guest kept for the next request holds its memory; a fetch-event guest is dropped once it answered.
      const opts: RequestOptions = {
        cpuLimitMs,
        onEnd,
        onUsage: (ms, kib) => usage.called(keep ? guest : undefined, ms, kib),
      };
      // GET and HEAD carry no body; not asking spares servers with lazy Requests (@hono/node-server) building a full one.
      if (req.method === 'GET' || req.method === 'HEAD' || !req.body)
        return pool.request(guest, requestInit(req, EMPTY, false), cancel, undefined, opts).then(answer, failed);
      return withBody(req).then(
        ({ init, pull }) => pool.request(guest, init, cancel, pull, opts).then(answer, failed),
        (err: unknown) => {
          onEnd();
          throw err;
        },
      );
    };
    // Fails the start early when the component cannot be instantiated.
    const first = await claim(timings);
    if (perRequest) {
      // A fetch-event guest serves one request: each gets a fresh guest, dropped once it answered.
      let spare: string | undefined = first;
      return {
        concurrency: cc,
        async handle(req, cancel) {
          const guest = spare ?? (await claim({}).catch((err: unknown) => err as Error));
          spare = undefined;
          if (guest instanceof Error) return failed(guest);
          return serve(guest, req, cancel, () => pool.drop(guest), false).finally(replenishNow);
        },
        async stop() {
          if (spare) pool.drop(spare);
        },
        usage: () => usage.read(),
      };
    }
    const maxGuests = guestsPerReplica(
      cc,
      read(this.opts.maxGuestsPerReplica ?? DEFAULT_RUNNER_CONFIG.maxGuestsPerReplica),
      component.async ? Infinity : SYNC_GUESTS_PER_WORKER * pool.workerCount,
    );
    const replica = new Replica({
      maxGuests,
      callsPerGuest: component.async ? 1 : SYNC_CALLS_PER_GUEST,
      claim: () => claim({}),
      drop: (g) => {
        usage.dropped(g);
        pool.drop(g);
      },
    });
    replica.adopt(first);
    return {
      concurrency: cc,
      handle(req, cancel) {
        const answered = replica
          .acquire(cancel)
          .then((guest) => serve(guest, req, cancel, () => replica.release(guest)), failed);
        return replenishDue ? answered.finally(replenishNow) : answered;
      },
      stop: async () => {
        replica.stop();
        for (const [guest, owner] of this.guestOwners) if (owner === instanceId) this.guestOwners.delete(guest);
      },
      usage: () => usage.read(),
    };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * Guest instances one replica may hold: containerConcurrency (one call per instance), the runner's
 * cap when that is 0 or above it, and for a synchronous guest no more than its workers can pipeline.
 */
export function guestsPerReplica(containerConcurrency: number, cap: number, syncLimit: number): number {
  return Math.max(1, Math.min(containerConcurrency > 0 ? containerConcurrency : cap, cap, syncLimit));
}

/** Failures an operator should hear of (the others are the client's or the request's own). */
const REPORTED_FAILURES = new Set(['trap', 'exit', 'timeout', 'cpu-limit', 'crashed']);

function failureResponse(err: GuestFailure, revision: string): Response {
  switch (err.kind) {
    case 'timeout':
      return jsonError(504, 'Timeout', err.message, { revision });
    case 'cpu-limit':
      return jsonError(503, 'CpuLimitExceeded', `${err.message} (annotation ${CPU_LIMIT_ANNOTATION})`, { revision });
    case 'trap':
      return jsonError(
        502,
        'GuestTrap',
        `the WebAssembly guest trapped: ${err.message}; the instance was discarded and a fresh one replaces it`,
        { revision },
      );
    case 'exit':
      return jsonError(502, 'GuestExit', `${err.message}; the instance was discarded and a fresh one replaces it`, {
        revision,
      });
    case 'no-response':
      return jsonError(502, 'NoResponse', err.message, { revision });
    case 'guest-error':
      return jsonError(502, 'GuestError', err.message, { revision });
    case 'aborted':
      return jsonError(499, 'ClientClosedRequest', err.message, { revision });
    default:
      return jsonError(502, 'GuestUnavailable', err.message, { revision });
  }
}

function specFor(rev: Revision, instanceId: string): InstanceSpec {
  return {
    instanceId,
    revision: revisionKey(rev),
    env: revisionEnv(rev),
    logLimit: LOG_LIMIT,
    outbound: readOutboundPolicy(rev),
  };
}

/** Longest wait before a claimed warm guest is replaced when no request came to the instance. */
const REPLENISH_DELAY_MS = 50;

const revisionKey = (rev: Revision) => `${rev.metadata.namespace}/${rev.metadata.name}`;

/** Annotation kedge.dev/instance-per-request overrides the fetch-event detection. */
function instancePerRequest(rev: Revision, fetchEvent: boolean): boolean {
  return readInstancePerRequest(rev) ?? fetchEvent;
}

/** Statuses whose responses carry no body (the Response constructor refuses one). */
function nullBody(status: number): boolean {
  return status === 101 || status === 204 || status === 205 || status === 304;
}

const EMPTY = new Uint8Array(0);

/**
 * The request for the worker: the body's first bytes travel with it (small bodies: all of it); the
 * rest is pulled while the guest reads, so no body is ever held whole.
 */
async function withBody(req: Request): Promise<{ init: RequestInit; pull?: () => Promise<Uint8Array | null> }> {
  const reader = req.body!.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let more = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
    if (size >= FIRST_BODY_BYTES) {
      more = true;
      break;
    }
  }
  const body = parts.length === 0 ? EMPTY : parts.length === 1 ? parts[0]! : new Uint8Array(Buffer.concat(parts));
  const init = requestInit(req, body, more);
  if (!more) return { init };
  return {
    init,
    pull: async () => {
      const { done, value } = await reader.read();
      return done ? null : value;
    },
  };
}

/** host[:port] of a URL's authority (without user info, as URL.host gives it). */
function authorityOf(s: string): string {
  return s.slice(s.lastIndexOf('@') + 1);
}

function requestInit(req: Request, body: Uint8Array, bodyMore: boolean): RequestInit {
  const url = req.url;
  // scheme://authority/path?query without a URL object: the path starts at the first '/' after '//'.
  const hostAt = url.indexOf('//') + 2;
  const pathAt = url.indexOf('/', hostAt);
  const end = url.indexOf('#', pathAt < 0 ? hostAt : pathAt);
  const headers: [string, string][] = [];
  let host: string | undefined;
  req.headers.forEach((v, k) => {
    if (INTERNAL_HEADERS.has(k)) return;
    headers.push([k, v]);
    if (k === 'host') host = v;
  });
  return {
    method: req.method,
    pathWithQuery: pathAt < 0 ? '/' : end < 0 ? url.slice(pathAt) : url.slice(pathAt, end),
    scheme: url.startsWith('https:') ? 'https' : 'http',
    authority: host ?? authorityOf(url.slice(hostAt, pathAt < 0 ? (end < 0 ? url.length : end) : pathAt)),
    headers,
    body,
    bodyMore,
  };
}
