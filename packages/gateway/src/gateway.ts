import {
  CLUSTER_TOKEN_HEADER,
  clusterTokenMatches,
  isCompleteResponse,
  resourceKey,
  subjects,
  type Bus,
  type Clock,
  type DecisionMessage,
  type Endpoint,
  type EndpointsMessage,
  type InstanceDispatcher,
  type Logger,
  type NodeHeartbeat,
  type Revision,
  type Route,
  type Store,
  type Subscription,
  type TimerHandle,
} from '@kedge/core';
import { Activator, REPORT_INTERVAL_MS, type ActivatorOptions, type Lease, type RevisionState } from './activator/activator.js';
import { EndpointsRegistry } from './activator/endpoints.js';
import { ThrottlerError } from './activator/throttler.js';
import { adjustResponseHeaders, downstreamResponseHeaders, upstreamRequestHeaders } from './forward/headers.js';
import { FetchTransport } from './forward/fetch-transport.js';
import { NeverReachedError, nullBodyStatus, type Transport, type UpstreamRequest } from './forward/transport.js';
import { UndiciTransport } from './forward/undici-transport.js';
import { GatewayMetrics } from './metrics.js';
import { KnownRevisions } from './routing/revisions.js';
import { pickTarget, RouteTable, type RevisionRef } from './routing/table.js';
import { ServerlessServiceStatusWriter } from './sks.js';

export interface GatewayDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  id: string;
  /** Runners in this process: their instances are called directly instead of over HTTP. */
  localDispatchers?: InstanceDispatcher[];
  activator?: ActivatorOptions;
  /** How requests reach remote runners (default: undici pools on Node, fetch on Deno). */
  transport?: Transport;
  /** Write ServerlessService status (readyEndpoints, Ready) from what this gateway sees (default true). */
  writeServerlessServiceStatus?: boolean;
  /**
   * The cluster's shared secret: sent to remote runners (their HTTP entry requires it), and a
   * request presenting it in `kedge-cluster-token` counts as from inside the cluster (it reaches
   * cluster-local hosts). Without it, only fetchInternal() reaches cluster-local hosts.
   */
  clusterToken?: string;
}

export interface ConnInfo {
  remoteAddress?: string;
  /**
   * Registers a callback for when the server has finished sending the response (or the
   * connection closed). With it the gateway hands the instance's Response to the server untouched
   * and keeps the instance's slot until then; without it, it wraps the body to find the end.
   */
  onDone?: (fn: () => void) => void;
}

export interface Gateway {
  /** A request from outside the cluster: cluster-local hosts answer 404 unless it carries the cluster token. */
  fetch(req: Request, info?: ConnInfo): Promise<Response>;
  /** A request from inside the cluster (a co-located runner's guest calling another service): every host answers. */
  fetchInternal(req: Request, info?: ConnInfo): Promise<Response>;
  metrics(): Promise<string>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Routing table size and per-revision view, for `kedge` status output and tests. */
  inspect(): GatewayView;
}

export interface GatewayView {
  hosts: string[];
  revisions: { key: string; mode: 'Proxy' | 'Serve'; endpoints: number; held: number; inFlight: number; failed?: string }[];
}

/** Local dispatchers signal "this instance is not here (any more)" with one of these error codes. */
/** The request on its way out, plus what the in-process path needs to avoid copying it. */
interface Upstream extends UpstreamRequest {
  original: Request;
  /** Whether a cancellation signal exists already (the local path does not create one). */
  hasSignal(): boolean;
}

const MAX_ATTEMPTS = 3;

class RequestTimeout extends Error {
  constructor(readonly seconds: number, readonly phase: 'overall' | 'response start') {
    super(`request timeout after ${seconds} s (${phase})`);
  }
}

/** What of a response body could be read without waiting for I/O. */
interface Ready {
  chunks: Uint8Array[];
  done: boolean;
  /** A read that did not complete at once; its result comes before any further read. */
  pending?: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>;
}

const BUFFER_LIMIT = 256 * 1024;
const NOT_YET = Symbol('not yet');
const macrotask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/**
 * Reads the chunks a body already holds: anything that resolves before the next macrotask was in
 * memory, anything later waits on I/O (or on the instance) and must be streamed, not waited for.
 */
async function readReady(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Ready> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let tick: Promise<typeof NOT_YET> | undefined;
  for (;;) {
    const read = reader.read();
    tick ??= new Promise((r) => macrotask(() => r(NOT_YET)));
    const r = await Promise.race([read, tick]);
    if (r === NOT_YET) return { chunks, done: false, pending: read };
    if (r.done) return { chunks, done: true };
    chunks.push(r.value);
    bytes += r.value.byteLength;
    if (bytes > BUFFER_LIMIT) return { chunks, done: false };
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function serverTiming(held: NonNullable<Lease['held']>): string {
  const parts = [`activator;dur=${held.ms.toFixed(2)}`];
  if (held.pokeMs !== undefined) parts.push(`poke;dur=${held.pokeMs.toFixed(2)}`);
  return parts.join(', ');
}

function json(status: number, body: Record<string, unknown>, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...extra } });
}

function isDeno(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { store, bus, clock, logger, id } = deps;
  const log = logger.child({ component: 'gateway', gateway: id });
  const table = new RouteTable();
  const locals = new Map<string, InstanceDispatcher>((deps.localDispatchers ?? []).map((d) => [d.nodeId, d]));
  const clusterToken = deps.clusterToken || undefined;
  const transportOpts = clusterToken ? { clusterToken } : {};
  const transport: Transport = deps.transport ?? (isDeno() ? new FetchTransport(transportOpts) : new UndiciTransport(transportOpts));
  let activator: Activator;
  const metrics = new GatewayMetrics(id, function* () {
    for (const s of activator.all()) yield [s.namespace, s.revision, s.throttler.held];
  });
  activator = new Activator(
    {
      bus,
      clock,
      logger: log,
      id,
      events: {
        coldStart: (s) => metrics.coldStarts.inc({ namespace: s.namespace, revision: s.revision }),
        held: (s, ms) => metrics.held.observe({ namespace: s.namespace, revision: s.revision }, ms / 1000),
      },
    },
    deps.activator,
  );
  const known = new KnownRevisions({ exists: async (ns, name) => (await store.get('Revision', ns, name)) !== undefined, logger: log });
  const sks = deps.writeServerlessServiceStatus === false ? undefined : new ServerlessServiceStatusWriter({ store, clock, logger: log });
  const resync = () => bus.publish(subjects.endpointsResync, { gatewayId: id, time: clock.now() });
  const endpoints = new EndpointsRegistry(
    clock,
    (key, eps) => {
      activator.setEndpoints(key, eps);
      sks?.observe(key, eps.length);
    },
    (nodeId) => {
      log.info({ nodeId }, 'runner node is back; asking runners to resync endpoints');
      resync();
    },
    () => bus.connected(),
  );

  const subs: Subscription[] = [];
  const unwatch: (() => void)[] = [];
  const timers: TimerHandle[] = [];
  let started = false;

  function record(key: string, namespace: string, revision: string, code: number, startMs: number): void {
    metrics.request(key, namespace, revision, code, (performance.now() - startMs) / 1000);
  }

  /**
   * A runner answers 503 `{"error":"InstanceNotFound"}` when the instance is not (any more) on the
   * node: the request reached no instance, so it may go to another one. Other 503s pass on as is.
   */
  async function instanceMissing(ep: Endpoint, res: Response): Promise<Response> {
    if (!res.headers.get('content-type')?.includes('json')) return res;
    const text = await res.text();
    let error: unknown;
    try {
      error = (JSON.parse(text) as { error?: unknown }).error;
    } catch {
      // not the runner's error shape
    }
    if (error === 'InstanceNotFound') throw new NeverReachedError(ep.instanceId, new Error(text));
    return new Response(text, { status: res.status, headers: res.headers });
  }

  function sendOnce(ep: Endpoint, up: Upstream, proxied: boolean): Promise<Response> {
    const local = locals.get(ep.nodeId);
    if (!local) return transport.send(ep, up, proxied);
    let request = up.original;
    if (request.headers !== up.headers) {
      const init: RequestInit & { duplex?: 'half' } = { method: up.method, headers: up.headers, signal: up.signal };
      if (up.body) {
        init.body = up.body;
        init.duplex = 'half';
      }
      request = new Request(up.url, init);
    }
    return local.dispatch(
      { namespace: ep.namespace, revision: ep.revision, instanceId: ep.instanceId },
      request,
      up.hasSignal() ? { fromActivator: proxied, signal: up.signal } : { fromActivator: proxied },
    );
  }

  /** Response body that gives the slot back when it ends (or is cancelled), and is cut at the deadline. */
  function tracked(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    ready: Ready,
    finish: () => void,
    onCut: (cut: (err: Error) => void) => void,
  ): ReadableStream<Uint8Array> {
    let closed = false;
    let pending = ready.pending;
    const queued = ready.chunks;
    const end = () => {
      if (closed) return;
      closed = true;
      finish();
    };
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of queued) controller.enqueue(c);
        onCut((err) => {
          if (closed) return;
          end();
          reader.cancel(err).catch(() => {});
          try {
            controller.error(err);
          } catch {
            // already closed
          }
        });
      },
      async pull(controller) {
        try {
          const next = pending ?? reader.read();
          pending = undefined;
          const { done, value } = await next;
          if (closed) return;
          if (done) {
            end();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          end();
          controller.error(err);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    });
  }

  /** Inside the cluster: in-process callers, or a request presenting the cluster token (removed upstream). */
  function fromInside(req: Request, internal: boolean): boolean {
    if (internal) return true;
    const presented = req.headers.get(CLUSTER_TOKEN_HEADER);
    return presented !== null && clusterTokenMatches(presented, clusterToken);
  }

  async function handle(req: Request, info: ConnInfo | undefined, internal: boolean): Promise<Response> {
    const startMs = performance.now();
    const probe = req.headers.get('k-network-probe');
    if (probe === 'activator') return new Response('activator');
    const host = req.headers.get('host') ?? new URL(req.url).host;
    const entry = table.lookup(host);
    // A cluster-local host does not exist for the outside: the same 404 as an unknown one.
    if (!entry || (entry.clusterLocal && !fromInside(req, internal))) {
      record('', '', '', 404, startMs);
      return json(404, { error: 'no route for this host', host });
    }
    const ref = pickTarget(entry);
    if (!ref) {
      record(`${entry.namespace}/`, entry.namespace, '', 503, startMs);
      return json(503, { error: 'route has no traffic targets', host, route: entry.route, namespace: entry.namespace });
    }
    if (known.isGone(ref.key) || (entry.revisionMissing && (await known.confirmGone(ref)))) return revisionGone(ref, startMs);
    const s = activator.state(ref.namespace, ref.revision, ref.key);
    if (s.failure) {
      record(s.key, s.namespace, s.revision, 503, startMs);
      return json(503, { error: 'revision failed', namespace: s.namespace, revision: s.revision, reason: s.failure.reason, message: s.failure.message });
    }
    return proxy(req, info, s, startMs);
  }

  /**
   * The Route still names a revision that was deleted (its last good traffic): nothing will ever
   * serve it, so 503 now with Knative's wording rather than holding the request for the hold timeout.
   */
  function revisionGone(ref: RevisionRef, startMs: number): Response {
    record(ref.key, ref.namespace, ref.revision, 503, startMs);
    return json(503, {
      error: 'revision not found',
      namespace: ref.namespace,
      revision: ref.revision,
      reason: 'RevisionMissing',
      message: `Error getting active endpoint: revisions.serving.knative.dev "${ref.revision}" not found`,
    });
  }

  async function proxy(req: Request, info: ConnInfo | undefined, s: RevisionState, startMs: number): Promise<Response> {
    let cut: ((err: Error) => void) | undefined;
    let timeoutFired: RequestTimeout | undefined;
    let rejectTimeout!: (err: RequestTimeout) => void;
    const timedOut = new Promise<never>((_, reject) => (rejectTimeout = reject));
    timedOut.catch(() => {});
    // An AbortController cost ~12 µs on Node 20 (~1–3 µs on 24; req.signal makes @hono/node-server
    // build one too), so the warm local path has none: it is created only when a request waits in the
    // activator or goes to a remote runner, the cases where cancelling upstream matters.
    let ctl: AbortController | undefined;
    const onClientAbort = () => ctl?.abort(req.signal.reason);
    const signal = (): AbortSignal => {
      if (!ctl) {
        ctl = new AbortController();
        if (timeoutFired) ctl.abort(timeoutFired);
        else if (req.signal.aborted) ctl.abort(req.signal.reason);
        else req.signal.addEventListener('abort', onClientAbort, { once: true });
      }
      return ctl.signal;
    };
    // While a forward is outstanding: on a timeout, its late answer still frees the slot when it comes.
    let forwarding: { pending: Promise<Response>; lease: Lease } | undefined;
    const fire = (err: RequestTimeout) => {
      if (timeoutFired) return;
      timeoutFired = err;
      rejectTimeout(err);
      ctl?.abort(err);
      cut?.(err);
      if (forwarding) {
        const { pending, lease: own } = forwarding;
        pending.then(
          (r) => {
            r.body?.cancel().catch(() => {});
            own.release();
          },
          () => own.release(),
        );
      }
    };
    // Knative's timeout handler sits outside the throttler: time spent held counts toward timeoutSeconds.
    const overall = clock.setTimeout(() => fire(new RequestTimeout(s.timeoutSeconds, 'overall')), s.timeoutSeconds * 1000);
    let startTimer: TimerHandle | undefined;
    if (s.responseStartTimeoutSeconds) {
      const secs = s.responseStartTimeoutSeconds;
      startTimer = clock.setTimeout(() => fire(new RequestTimeout(secs, 'response start')), secs * 1000);
    }
    let finished = false;
    let lease: Lease | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      clock.clearTimeout(overall);
      if (startTimer) clock.clearTimeout(startTimer);
      if (ctl) req.signal.removeEventListener('abort', onClientAbort);
      lease?.release();
    };

    const proto = req.url.startsWith('https:') ? 'https' : 'http';
    const method = req.method;
    const up: Upstream = {
      method,
      url: req.url,
      headers: upstreamRequestHeaders(req, info?.remoteAddress, proto),
      // Touching .body on a GET would make @hono/node-server build a full Request for nothing.
      body: method === 'GET' || method === 'HEAD' ? null : req.body,
      get signal() {
        return signal();
      },
      original: req,
      hasSignal: () => ctl !== undefined,
    };

    let res: Response;
    let held: Lease['held'];
    try {
      for (let attempt = 1; ; attempt++) {
        lease = activator.tryAcquire(s) ?? (await Promise.race([activator.acquire(s, s.timeoutSeconds * 1000, signal()), timedOut]));
        held ??= lease.held;
        try {
          const ep = lease.backend.endpoint;
          const pending = sendOnce(ep, up, lease.proxied);
          forwarding = { pending, lease };
          let r = await Promise.race([pending, timedOut]);
          if (r.status === 503) r = await Promise.race([instanceMissing(ep, r), timedOut]);
          forwarding = undefined;
          res = r;
          break;
        } catch (err) {
          forwarding = undefined;
          if (!(err instanceof NeverReachedError) || attempt >= MAX_ATTEMPTS || timeoutFired || req.signal.aborted) throw err;
          log.debug({ err, revision: s.key, attempt }, 'instance unreachable, trying another');
          const failed = lease;
          lease = undefined;
          failed.release();
          s.throttler.remove(failed.backend.endpoint.instanceId);
        }
      }
    } catch (err) {
      // After a timeout the slot is still busy upstream; fire() arranged its release.
      if (err instanceof RequestTimeout) lease = undefined;
      finish();
      return failure(err, s, startMs, req.signal.aborted);
    }
    if (startTimer) clock.clearTimeout(startTimer);

    record(s.key, s.namespace, s.revision, res.status, startMs);
    // Hop-by-hop headers out, Server-Timing in — on the instance's own Response when it allows, so
    // a response the server can send from memory is never turned into a stream here.
    const timing = held ? serverTiming(held) : undefined;
    let out = res;
    if (!adjustResponseHeaders(res.headers, timing)) {
      const headers = new Headers(downstreamResponseHeaders(res.headers));
      if (timing) headers.append('server-timing', timing);
      out = new Response(res.body, { status: res.status, statusText: res.statusText, headers });
    }
    if (isCompleteResponse(res)) {
      // Body entirely in memory: the instance is done with this request.
      finish();
      return out;
    }
    if (info?.onDone) {
      // The server tells us when the response is fully sent: the slot is held until then.
      info.onDone(finish);
      return out;
    }
    const status = out.status;
    const body = nullBodyStatus(status) ? null : out.body;
    if (!body) {
      finish();
      return out;
    }
    // Without that signal, watch the body: one already complete in memory goes out as a buffer and
    // frees the slot at once; anything still coming is streamed and frees it at its end.
    const reader = body.getReader();
    const ready = await readReady(reader);
    if (ready.done) {
      finish();
      const whole = concat(ready.chunks);
      return new Response(whole.length ? whole : null, { status, headers: out.headers });
    }
    return new Response(tracked(reader, ready, finish, (c) => (cut = c)), { status, headers: out.headers });
  }

  function failure(err: unknown, s: RevisionState, startMs: number, clientGone: boolean): Response {
    const base = { namespace: s.namespace, revision: s.revision };
    let status: number;
    let body: Record<string, unknown>;
    if (err instanceof RequestTimeout) {
      status = 504;
      body = { error: 'request timeout', ...base, reason: err.phase === 'overall' ? 'Timeout' : 'ResponseStartTimeout', timeoutSeconds: err.seconds };
    } else if (err instanceof ThrottlerError) {
      status = err.reason === 'Aborted' ? 499 : 503;
      body = { error: err.message, ...base, reason: err.reason };
    } else if (clientGone) {
      // The client left (nginx's 499): the upstream error is the consequence, not a fault.
      status = 499;
      body = { error: 'client closed request', ...base };
      log.debug({ err, revision: s.key }, 'client left before the response');
    } else {
      status = 502;
      body = { error: 'upstream error', ...base, message: err instanceof Error ? err.message : String(err) };
      log.warn({ err, revision: s.key }, 'forwarding failed');
    }
    record(s.key, s.namespace, s.revision, status, startMs);
    return json(status, body);
  }

  return {
    fetch: (req, info) => handle(req, info, false),
    fetchInternal: (req, info) => handle(req, info, true),
    metrics: () => metrics.text(),
    inspect: () => ({
      hosts: table.hosts(),
      revisions: [...activator.all()].map((s) => ({
        key: s.key,
        mode: s.mode,
        endpoints: s.throttler.size,
        held: s.throttler.held,
        inFlight: s.throttler.list().reduce((n, b) => n + b.inFlight, 0),
        ...(s.failure ? { failed: s.failure.reason } : {}),
      })),
    }),
    async start() {
      if (started) return;
      started = true;
      subs.push(
        bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => endpoints.apply(m.data)),
        bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => endpoints.heartbeat(m.data)),
        bus.subscribe<DecisionMessage>(subjects.decisionAll, (m) => activator.setDecision(m.data)),
      );
      unwatch.push(
        store.watch({ kind: 'Revision' }, (ev) => {
          const rev = ev.object as Revision;
          const key = resourceKey(rev.metadata.namespace, rev.metadata.name);
          if (ev.type === 'DELETED') {
            known.deleted(key);
            activator.deleteRevision(rev.metadata.namespace, rev.metadata.name);
          } else {
            known.added(key);
            activator.setRevision(rev);
          }
        }),
        store.watch({ kind: 'Route' }, (ev) => {
          if (ev.type === 'DELETED') table.remove(ev.object as Route);
          else table.upsert(ev.object as Route);
        }),
      );
      if (sks) await sks.start();
      timers.push(
        clock.setInterval(() => activator.report(), REPORT_INTERVAL_MS),
        clock.setInterval(() => endpoints.expire(), 500),
      );
      // Runners re-announce their endpoints when a gateway appears, so a late gateway starts complete.
      resync();
      log.info({ localNodes: [...locals.keys()] }, 'gateway started');
    },
    async stop() {
      if (!started) return;
      started = false;
      for (const t of timers.splice(0)) clock.clearInterval(t);
      for (const s of subs.splice(0)) s.unsubscribe();
      for (const u of unwatch.splice(0)) u();
      await sks?.stop();
      await transport.close();
    },
  };
}
