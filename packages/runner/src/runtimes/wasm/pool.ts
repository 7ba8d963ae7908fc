import { receiveMessageOnPort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { type Cancellation, concat, type Logger } from '@kedge/core';
import { HOPS_HEADER, type OutboundContext } from './outbound.js';
import { ResponseStream } from './response-stream.js';
import { GuestWorker, PIPELINE, type Job } from './guest-worker.js';
import {
  SLOTS,
  type CompiledComponent,
  type FromWorker,
  type InstanceSpec,
  type LogBatch,
  type OutboundReply,
  type OutboundRequest,
  type PullReply,
  type RequestInit,
  type ToWorker,
} from './protocol.js';

/**
 * Workers must run plain JS: the script is always the built one in the package's dist/, also when
 * this file is loaded from src/ by vitest (both sit three levels below the package root).
 */
export const WORKER_FILE = fileURLToPath(new URL('../../../dist/runtimes/wasm/worker.js', import.meta.url));

export type GuestFailureKind =
  | 'trap'
  | 'exit'
  | 'no-response'
  | 'guest-error'
  | 'setup'
  | 'timeout'
  | 'crashed'
  | 'aborted'
  | 'cpu-limit';

/** A request the guest could not answer; the runtime turns it into a JSON error response. */
export class GuestFailure extends Error {
  constructor(
    readonly kind: GuestFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'GuestFailure';
  }
}

export interface GuestResponse {
  status: number;
  headers: [string, string][];
  /** Whole bytes when the guest finished before its head was sent (one message), else a stream. */
  body: ReadableStream<Uint8Array> | Uint8Array;
}

/** Response bytes a guest may have written that the client has not read yet. */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024;

/** A guest holding the CPU this long makes its worker's idle instances move to a free worker. */
const STALL_MS = 500;
/** A worker whose guest has held the CPU this long gets no new instance while another is free. */
const BUSY_MS = 50;
/** A suspended call told to stop that has not stopped after this long: its worker is stuck, end it. */
const CANCEL_GRACE_MS = 1_000;

export interface WorkerPoolOptions {
  /** Workers serving guests. */
  workers: number;
  /** Started workers kept idle to replace one that was killed (a new one takes ~75 ms). */
  spares: number;
  /**
   * Workers the pool may grow to while every worker is held by a guest that does not yield
   * (default: `workers` + 2). The extra ones go again once idle. A function is read each time
   * (config-kedge-runner `max-workers` may change while the node runs).
   */
  maxWorkers?: number | (() => number | undefined);
  logger: Logger;
  workerFile?: string;
  /** Where guests' stdout and stderr go, by guest id (besides the logger); must not block. */
  output?: (guestId: string, stream: 'stdout' | 'stderr', text: string) => void;
  /** Performs a guest's outbound request (policy already checked in the worker and again here). */
  outbound?: (req: OutboundRequest, spec: InstanceSpec, ctx: OutboundContext) => Promise<OutboundReply>;
}

/**
 * Guest worker threads. An instance lives in one worker; a worker hosts many instances. A
 * synchronous guest's call holds its worker until it returns; a JSPI guest's call holds it only
 * while on the CPU. A call past its deadline that holds the CPU is ended by terminating its worker:
 * the other instances of that worker are re-created on a warm spare, and their requests that had
 * not started answering run again there (the others fail). A suspended call past its deadline is
 * cancelled inside the worker.
 */
export class WorkerPool {
  private readonly active: GuestWorker[] = [];
  private readonly spares: GuestWorker[] = [];
  private readonly placement = new Map<string, GuestWorker>();
  private readonly specs = new Map<string, { spec: InstanceSpec; component: CompiledComponent }>();
  /** Compiled components no revision wants: forgotten by the workers once no instance uses them. */
  private readonly unwanted = new Set<string>();
  private nextJob = 1;
  private closed = false;
  private readonly file: string;

  constructor(private readonly opts: WorkerPoolOptions) {
    this.file = opts.workerFile ?? WORKER_FILE;
    for (let i = 0; i < opts.workers; i++) this.active.push(this.spawn());
    for (let i = 0; i < opts.spares; i++) this.spares.push(this.spawn());
    this.watchdog = setInterval(() => this.watch(), STALL_MS / 5);
    this.watchdog.unref();
  }

  private readonly watchdog: NodeJS.Timeout;

  private get maxWorkers(): number {
    const max = typeof this.opts.maxWorkers === 'function' ? this.opts.maxWorkers() : this.opts.maxWorkers;
    return Math.max(this.opts.workers, max ?? this.opts.workers + 2);
  }

  /**
   * Every 100 ms: a guest over its CPU limit ends its worker; a worker held longer than STALL_MS
   * by one guest lets its idle instances move to a free worker (growing the pool up to maxWorkers
   * when none is free); extra workers go once idle.
   */
  private watch(): void {
    const now = performance.now();
    const stalled = new Set<GuestWorker>();
    for (const w of [...this.active]) {
      if (w.dead) continue;
      const held = w.cpuHeldMs(now);
      if (held === 0) continue;
      const job = w.onCpu();
      if (job?.cpuLimitMs !== undefined && held > job.cpuLimitMs) {
        this.replace(w, 'cpu-limit', `the guest held the CPU for more than ${job.cpuLimitMs} ms without waiting`, job);
        continue;
      }
      if (held > STALL_MS) stalled.add(w);
    }
    // A guest that holds its worker past STALL_MS competes for the cores at the lowest OS priority:
    // the node's other guests and its HTTP thread go first (measured in docs/runner.md).
    for (const w of this.active) w.setNice(stalled.has(w));
    for (const w of stalled) this.unstall(w, stalled);
    this.shrink();
  }

  /**
   * A guest that holds the CPU (a loop waiting for its deadline, a heavy request) blocks every
   * instance sharing its worker. Those with nothing started there move to the least busy worker that
   * is not stalled: re-instantiated (their memory starts fresh), with their waiting requests.
   * Instances with a call suspended there cannot move (its stack lives in that thread).
   */
  private unstall(w: GuestWorker, stalled: Set<GuestWorker>): void {
    const stuck = w.onCpu()?.instanceId;
    const hog = this.revisionOf(stuck);
    const movable = [...w.instances].filter((id) => id !== stuck);
    // The stuck guest's siblings move only to workers that host nothing but their revision: spread
    // over the workers the neighbours moved to, five guests growing their memory at once chased a
    // healthy neighbour from worker to worker (docs/reliability.md).
    this.moveAway(
      w,
      movable.filter((id) => this.revisionOf(id) !== hog),
      stalled,
      () => true,
    );
    this.moveAway(
      w,
      movable.filter((id) => this.revisionOf(id) === hog),
      stalled,
      (o) => this.hostsOnly(o, hog),
    );
  }

  private moveAway(w: GuestWorker, ids: string[], stalled: Set<GuestWorker>, fits: (o: GuestWorker) => boolean): void {
    if (!ids.length) return;
    let free = this.active.filter((o) => !o.dead && !stalled.has(o) && fits(o));
    if (!free.length && this.active.length < this.maxWorkers) {
      const extra = this.spares.shift() ?? this.spawn();
      this.active.push(extra);
      this.refillSpares();
      this.opts.logger.warn(
        { workers: this.active.length },
        'every guest worker is held by a guest that does not yield: one more worker',
      );
      free = [extra];
    }
    if (!free.length) return;
    for (const id of ids) {
      const to = free.reduce((a, b) => (load(b) < load(a) ? b : a));
      this.move(id, w, to);
    }
  }

  private hostsOnly(w: GuestWorker, revision: string | undefined): boolean {
    for (const id of w.instances) if (this.revisionOf(id) !== revision) return false;
    return true;
  }

  /** Workers beyond `workers` leave once they host nothing. */
  private shrink(): void {
    if (this.active.length <= this.opts.workers) return;
    const idle = this.active.find(
      (w) => !w.dead && w.instances.size === 0 && w.posted.size === 0 && !w.queue.length && !w.background.length,
    );
    if (!idle) return;
    this.active.splice(this.active.indexOf(idle), 1);
    idle.dead = true;
    idle.outPort.close();
    idle.replies.close();
    void idle.worker.terminate();
  }

  /** Moves an instance unless a call of it has started on `from`. */
  private revisionOf(instanceId: string | undefined): string | undefined {
    return instanceId === undefined ? undefined : this.specs.get(instanceId)?.spec.revision;
  }

  private move(id: string, from: GuestWorker, to: GuestWorker): void {
    const mine = [...from.posted.values()].filter((j) => j.instanceId === id);
    const posted = mine.filter((j) => j.msg.type === 'request');
    if (posted.some((j) => !from.takeBack(j))) return;
    // An instantiation posted there has not run (the worker would have answered it before it stalled):
    // it goes along, so whoever waits for it (a replica growing) gets the instance made on `to`.
    const made = mine.filter((j) => j.msg.type === 'instantiate');
    for (const j of made) from.forgetPosted(j);
    from.instances.delete(id);
    to.instances.add(id);
    this.placement.set(id, to);
    this.opts.logger.info({ instance: id }, 'guest moved off a stalled worker');
    const queued = from.queue.filter((j) => j.instanceId === id);
    const background = from.background.filter((j) => j.instanceId === id);
    from.queue = from.queue.filter((j) => j.instanceId !== id);
    from.background = from.background.filter((j) => j.instanceId !== id);
    if (made.length) to.queue.push(...made);
    else
      this.instantiateOn(to, id).catch((err) =>
        this.opts.logger.error({ err, instance: id }, 'could not move guest instance'),
      );
    to.queue.push(...posted, ...queued);
    to.background.push(...background);
    // The stalled worker forgets its copy once (if ever) it is free again.
    const dropId = this.nextJob++;
    from.queue.push({
      id: dropId,
      instanceId: id,
      msg: { type: 'drop', job: dropId, instanceId: id },
      onMessage: () => true,
      onLost: () => undefined,
    });
    this.pump(to);
  }

  get workerCount(): number {
    return this.active.length;
  }

  /** Calls in flight per worker (posted, not answered), for status and tests. */
  inFlight(): number[] {
    return this.active.map((w) => w.posted.size);
  }

  /** What the guests hold: instances, calls in flight, linear memory (bytes; each memory capped by resources.limits.memory). */
  usage(): { workers: number; instances: number; inFlight: number; memoryBytes: number } {
    let instances = 0;
    let inFlight = 0;
    let kib = 0;
    for (const w of this.active) {
      instances += w.instances.size;
      inFlight += w.posted.size;
      kib += Atomics.load(w.shared.cpu, 2);
    }
    return { workers: this.active.length, instances, inFlight, memoryBytes: kib * 1024 };
  }

  private refillSpares(): void {
    if (this.spares.length < this.opts.spares)
      setImmediate(() => !this.closed && this.spares.length < this.opts.spares && this.spares.push(this.spawn()));
  }

  private spawn(): GuestWorker {
    const w = new GuestWorker(this.file);
    w.worker.unref();
    w.replies.on('message', (m: FromWorker) => {
      this.onMessage(w, m);
      // Answers that arrived meanwhile are taken in turn, without a message event each.
      for (let r = receiveMessageOnPort(w.replies); r; r = receiveMessageOnPort(w.replies))
        this.onMessage(w, r.message as FromWorker);
    });
    w.replies.unref();
    // Answers travel on their own port, so one sent just before the worker died may still wait there.
    const takeLastAnswers = () => {
      if (w.dead) return;
      w.gone = true;
      for (let r = receiveMessageOnPort(w.replies); r; r = receiveMessageOnPort(w.replies))
        this.onMessage(w, r.message as FromWorker);
    };
    w.worker.on('error', (err) => {
      this.opts.logger.error({ err }, 'guest worker failed');
      takeLastAnswers();
      this.replace(w, 'crashed', `guest worker failed: ${err.message}`);
    });
    w.worker.on('exit', (code) => {
      takeLastAnswers();
      if (!w.dead && !this.closed) this.replace(w, 'crashed', `guest worker exited with code ${code}`);
    });
    return w;
  }

  /**
   * Creates (or re-creates) an instance; resolves with the worker-side instantiate time in ms.
   * `background`: a guest made ahead of need (a warm guest) — it waits until the worker has nothing
   * else to do, so it never delays a request.
   */
  instantiate(spec: InstanceSpec, component: CompiledComponent, background = false): Promise<number> {
    this.specs.set(spec.instanceId, { spec, component });
    let w = this.placement.get(spec.instanceId);
    if (!w) {
      // Not beside a guest that has held its worker for a while (it may be a loop about to stall it).
      // A revision whose calls hold workers grows only onto workers that host nothing else (else onto
      // the ones it holds): never onto the workers its neighbours were moved to.
      const now = performance.now();
      const live = this.active.filter((o) => !o.dead);
      const held = live.filter((o) => o.cpuHeldMs(now) > BUSY_MS);
      let free = live.filter((o) => o.cpuHeldMs(now) <= BUSY_MS);
      const own = held.filter((o) => this.revisionOf(o.onCpu()?.instanceId) === spec.revision);
      if (own.length) {
        free = free.filter((o) => this.hostsOnly(o, spec.revision));
        if (!free.length) free = own;
      }
      w = (free.length ? free : this.active).reduce((a, b) => (b.instances.size < a.instances.size ? b : a));
      this.placement.set(spec.instanceId, w);
      w.instances.add(spec.instanceId);
    }
    return this.instantiateOn(w, spec.instanceId, background);
  }

  private instantiateOn(w: GuestWorker, instanceId: string, background = false): Promise<number> {
    const entry = this.specs.get(instanceId)!;
    return new Promise<number>((resolve, reject) => {
      const id = this.nextJob++;
      const job: Job = {
        id,
        instanceId,
        component: entry.component,
        msg: { type: 'instantiate', job: id, spec: entry.spec, key: entry.component.key },
        onMessage: (m) => {
          if (m.type === 'instantiated') resolve(m.ms);
          else if (m.type === 'failed') reject(new GuestFailure('setup', m.message));
          return true;
        },
        onLost: (kind, message) => reject(new GuestFailure(kind, message)),
      };
      this.enqueue(w, job, background);
    });
  }

  /**
   * Sends one request to an instance; `pull` yields the body past `req.body` when `req.bodyMore`.
   * Rejects with GuestFailure when no response head came. A JSPI instance must get one request at a
   * time (its replica sees to that): jco instances are not re-entrant.
   */
  request(
    instanceId: string,
    req: RequestInit,
    cancel?: Cancellation,
    pull?: () => Promise<Uint8Array | null>,
    opts: RequestOptions = {},
  ): Promise<GuestResponse> {
    const w = this.placement.get(instanceId);
    if (!w) {
      opts.onEnd?.();
      return Promise.reject(new GuestFailure('setup', `instance ${instanceId} is not running`));
    }
    const async = this.specs.get(instanceId)?.component.async ?? false;
    return new Promise<GuestResponse>((resolve, reject) => {
      const id = this.nextJob++;
      let stream: ResponseStream | undefined;
      let finished = false;
      let stopListening: (() => void) | undefined;
      const push = (chunks: Uint8Array[]) => {
        // A client that left cancelled the stream: the guest's later bytes go nowhere.
        if (!stream!.push(chunks)) return;
        // A guest that writes far ahead of its reader is stopped.
        if (stream!.unread > MAX_UNREAD_BYTES) {
          const message = `the response body ran more than ${MAX_UNREAD_BYTES >> 20} MiB ahead of its reader`;
          const cur = this.placement.get(instanceId);
          if (cur && !job.async && cur.onCpu() === job) this.replace(cur, 'guest-error', message, job);
          else {
            fail('guest-error', message);
            if (cur && job.async) this.cancelStarted(cur, job);
          }
        }
      };
      const fail = (kind: GuestFailureKind, message: string) => {
        if (finished) return;
        finished = true;
        stopListening?.();
        if (!stream) reject(new GuestFailure(kind, message));
        else stream.error(new GuestFailure(kind, message));
      };
      const job: Job = {
        id,
        instanceId,
        async,
        ...(opts.cpuLimitMs !== undefined ? { cpuLimitMs: opts.cpuLimitMs } : {}),
        onEnd: once(() => {
          job.outbound?.abort();
          opts.onEnd?.();
        }),
        msg: { type: 'request', job: id, instanceId, req },
        ...(pull ? { pull } : {}),
        onMessage: (m) => {
          if (m.type === 'head') job.committed = true;
          if (finished) return m.type === 'done' || m.type === 'failed';
          switch (m.type) {
            case 'head':
              stream = new ResponseStream();
              resolve({ status: m.status, headers: m.headers, body: stream.readable });
              push(m.chunks);
              return false;
            case 'chunks':
              push(m.chunks);
              return false;
            case 'done':
              this.log(instanceId, m.log);
              opts.onUsage?.(m.ms ?? 0, m.kib);
              finished = true;
              stopListening?.();
              if (!stream && m.head) {
                resolve({ status: m.head.status, headers: m.head.headers, body: concat(m.chunks) });
                return true;
              }
              push(m.chunks);
              stream?.close();
              return true;
            case 'failed':
              this.log(instanceId, m.log);
              opts.onUsage?.(m.ms ?? 0);
              if (m.kind === 'trap' || m.kind === 'exit')
                this.opts.logger.warn(
                  { instance: instanceId, reason: m.message },
                  `guest ${m.kind}: instance discarded, the worker started a fresh one`,
                );
              fail(m.kind, m.message);
              return true;
            default:
              return true;
          }
        },
        onLost: (kind, message) => {
          fail(kind, message);
          job.onEnd?.();
        },
      };
      const onAbort = (why: unknown) => {
        const r = why as { name?: string; message?: string } | undefined;
        // A passed deadline ends the guest; a client that went away stops a waiting call too.
        const deadline = r?.name === 'TimeoutError';
        const reason = new GuestFailure(deadline ? 'timeout' : 'aborted', r?.message ?? 'request aborted');
        const cur = this.placement.get(instanceId);
        if (!cur || finished) return fail(reason.kind, reason.message);
        if (cur.queue.includes(job) || cur.takeBack(job)) {
          cur.queue = cur.queue.filter((j) => j !== job);
          this.pump(cur);
          fail(reason.kind, reason.message);
          job.onEnd?.();
          return;
        }
        // Started. A synchronous guest cannot be interrupted: its thread goes (its neighbours' calls
        // run again on a spare) — also when its client left, nobody wants what it computes.
        if (!job.async) {
          if (cur.posted.has(job.id)) this.replace(cur, reason.kind, reason.message, job);
          else fail(reason.kind, reason.message);
          return;
        }
        fail(reason.kind, reason.message);
        this.cancelStarted(cur, job);
      };
      if (cancel?.aborted) {
        job.onEnd?.();
        return reject(new GuestFailure('aborted', 'request aborted'));
      }
      stopListening = cancel?.onCancel(onAbort);
      this.enqueue(w, job);
    });
  }

  /**
   * Ends a started JSPI call: at once by its worker's end when it holds the CPU, else by a cancel
   * message — and by the worker's end after a grace period if the worker never got to it (another
   * guest holds the CPU).
   */
  private cancelStarted(w: GuestWorker, job: Job): void {
    if (!w.posted.has(job.id)) return;
    if (w.onCpu() === job) return this.replace(w, 'timeout', 'request timeout', job);
    this.post(w, { type: 'cancel', job: job.id });
    setTimeout(() => {
      if (!w.dead && w.posted.has(job.id)) this.replace(w, 'timeout', 'request timeout', job);
    }, CANCEL_GRACE_MS).unref();
  }

  /** Forgets an instance (its queued jobs still run first: drain happens above this layer). */
  drop(instanceId: string): void {
    const w = this.placement.get(instanceId);
    const key = this.specs.get(instanceId)?.component.key;
    this.placement.delete(instanceId);
    this.specs.delete(instanceId);
    if (!w) return;
    w.instances.delete(instanceId);
    const id = this.nextJob++;
    this.enqueue(w, {
      id,
      instanceId,
      msg: { type: 'drop', job: id, instanceId },
      onMessage: () => true,
      onLost: () => undefined,
    });
    if (key) this.sweep(key);
  }

  /**
   * No revision wants this compiled component any more: every worker lets it go once its last
   * instance is dropped (a component is tens of MB for a JS guest; revisions come and go for ever).
   */
  forget(key: string): void {
    this.unwanted.add(key);
    this.sweep(key);
  }

  /** A revision wants the component (again): keep it. */
  want(key: string): void {
    this.unwanted.delete(key);
  }

  /** Compiled components the workers hold, by key. */
  loadedKeys(): Set<string> {
    return new Set([...this.active, ...this.spares].flatMap((w) => [...w.loaded]));
  }

  private sweep(key: string): void {
    if (!this.unwanted.has(key)) return;
    for (const { component } of this.specs.values()) if (component.key === key) return;
    this.unwanted.delete(key);
    for (const w of this.active) {
      if (!w.loaded.delete(key)) continue;
      // Queued behind the instance's own drop, and before any later instantiation that re-sends it.
      const id = this.nextJob++;
      this.enqueue(w, {
        id,
        instanceId: '',
        msg: { type: 'forget', job: id, key },
        onMessage: () => true,
        onLost: () => undefined,
      });
    }
  }

  private enqueue(w: GuestWorker, job: Job, background = false): void {
    (background ? w.background : w.queue).push(job);
    this.pump(w);
  }

  private pump(w: GuestWorker): void {
    while (!w.dead && !w.gone) {
      // Warm guests are made only while no synchronous job is out (suspended JSPI calls do not count).
      const job = w.queue.length ? w.queue[0]! : w.syncPosted === 0 ? w.background[0] : undefined;
      if (!job || (!job.async && w.syncPosted >= PIPELINE)) break;
      (w.queue.length ? w.queue : w.background).shift();
      w.posted.set(job.id, job);
      if (!job.async) w.syncPosted++;
      if (job.msg.type === 'request') Atomics.store(w.shared.slots, job.id % SLOTS, job.id);
      if (job.msg.type === 'instantiate' && job.component && !w.loaded.has(job.component.key)) {
        w.loaded.add(job.component.key);
        this.post(w, { ...job.msg, component: job.component });
      } else this.post(w, job.msg); // bodies are copied, not transferred: a job may be re-sent
    }
    w.keepAlive();
  }

  private post(w: GuestWorker, msg: ToWorker): void {
    // A non-empty outbox already has its flush scheduled.
    if (w.outbox.push(msg) > 1) return;
    setImmediate(() => {
      const msgs = w.outbox;
      w.outbox = [];
      if (w.dead || w.gone || !msgs.length) return;
      w.worker.postMessage(msgs.length === 1 ? msgs[0] : ({ type: 'batch', msgs } satisfies ToWorker));
    });
  }

  private onMessage(w: GuestWorker, m: FromWorker): void {
    if (m.type === 'batch') {
      for (const one of m.msgs) this.onMessage(w, one);
      return;
    }
    if (m.type === 'outbound') return this.onOutbound(w, m);
    if (m.type === 'pull') return this.onPull(w, m);
    const job = w.posted.get(m.job);
    // Unknown: a job taken back before it started (the worker answers it with one 'failed').
    if (!job) return;
    if (job.onMessage(m)) {
      w.forgetPosted(job);
      job.onEnd?.();
      this.pump(w);
    }
  }

  private onPull(w: GuestWorker, m: Extract<FromWorker, { type: 'pull' }>): void {
    const job = w.posted.get(m.job);
    // The body read past its first bytes cannot be read again: this request can no longer re-run.
    if (job) job.committed = true;
    const next: Promise<PullReply> = job?.pull
      ? job.pull().then(
          (chunk) => (chunk ? { chunk } : { end: true as const }),
          () => ({ end: true as const }),
        )
      : Promise.resolve({ end: true as const });
    void next.then((r) => this.answer(w, m.reply, r));
  }

  /** Hands a reply to a guest: a suspended one by message, a blocked one through the shared cell. */
  private answer(w: GuestWorker, reply: number | undefined, value: PullReply | OutboundReply): void {
    if (w.dead) return;
    if (reply !== undefined) return this.post(w, { type: 'reply', id: reply, value });
    w.outPort.postMessage(value);
    Atomics.store(w.outCell, 0, 1);
    Atomics.notify(w.outCell, 0);
  }

  private onOutbound(w: GuestWorker, m: Extract<FromWorker, { type: 'outbound' }>): void {
    const spec = this.specs.get(m.instanceId)?.spec;
    const perform = this.opts.outbound;
    const job = w.posted.get(m.job);
    const ctx: OutboundContext = {};
    if (job) {
      ctx.signal = (job.outbound ??= new AbortController()).signal;
      const init = job.msg.type === 'request' ? job.msg.req : undefined;
      const hops = Number(init?.headers.find(([k]) => k === HOPS_HEADER)?.[1] ?? 0);
      ctx.hops = Number.isInteger(hops) && hops > 0 ? hops : 0;
    }
    const reply: Promise<OutboundReply> =
      spec && perform
        ? perform(m.req, spec, ctx).catch((err) => ({ error: 'internal-error', message: String(err) }))
        : Promise.resolve({ error: 'HTTP-request-denied' });
    void reply.then((r) => this.answer(w, m.reply, r));
  }

  /**
   * Ends a worker (a deadline, a CPU limit, a crash) and moves its instances to a fresh one.
   * `culprit` fails with `kind`; jobs that had not started answering run again on the replacement
   * (a request whose guest had begun its response, or read its body past the first bytes, fails).
   */
  private replace(w: GuestWorker, kind: GuestFailureKind, message: string, culprit?: Job): void {
    if (w.dead) return;
    w.dead = true;
    void w.worker.terminate();
    w.outPort.close();
    w.replies.close();
    const posted = [...w.posted.values()];
    w.posted.clear();
    w.syncPosted = 0;
    const rerun = posted.filter((j) => j !== culprit && !j.committed);
    const lost = posted.filter((j) => j !== culprit && j.committed);
    const idx = this.active.indexOf(w);
    if (idx < 0 || this.closed) {
      culprit?.onLost(kind, message);
      for (const j of [...rerun, ...lost, ...w.queue, ...w.background]) j.onLost('crashed', 'runner is stopping');
      return;
    }
    const next = this.spares.shift() ?? this.spawn();
    this.active[idx] = next;
    this.refillSpares();
    for (const id of w.instances) {
      next.instances.add(id);
      this.placement.set(id, next);
      this.instantiateOn(next, id).catch((err) =>
        this.opts.logger.error({ err, instance: id }, 'could not move guest instance'),
      );
    }
    for (const j of [...rerun, ...w.queue]) next.queue.push(j);
    next.background.push(...w.background);
    w.queue = [];
    w.background = [];
    this.pump(next);
    culprit?.onLost(kind, message);
    for (const j of lost)
      j.onLost('crashed', `the response had started when its guest worker was ended (another guest on it: ${message})`);
  }

  private log(instanceId: string, log: LogBatch | undefined): void {
    if (!log) return;
    const rev = this.specs.get(instanceId)?.spec.revision;
    const l = this.opts.logger;
    if (log.stdout) l.info({ revision: rev, instance: instanceId, stream: 'stdout' }, log.stdout.trimEnd());
    if (log.stderr) l.warn({ revision: rev, instance: instanceId, stream: 'stderr' }, log.stderr.trimEnd());
    if (log.stdout) this.opts.output?.(instanceId, 'stdout', log.stdout);
    if (log.stderr) this.opts.output?.(instanceId, 'stderr', log.stderr);
    if (log.truncated)
      l.warn({ revision: rev, instance: instanceId }, 'guest output over the per-request limit was dropped');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    const all = [...this.active, ...this.spares];
    for (const w of all) {
      w.dead = true;
      w.outPort.close();
      w.replies.close();
      for (const j of [...w.posted.values(), ...w.queue, ...w.background]) j.onLost('crashed', 'runner is stopping');
    }
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

export interface RequestOptions {
  /** Longest time the guest may hold the CPU without waiting (ms); past it the call fails. */
  cpuLimitMs?: number;
  /** Called once when the call has left the worker for good: its instance is free for the next. */
  onEnd?: () => void;
  /** The call's time in the guest (ms) and, when it answered, the guest's linear memory (KiB). */
  onUsage?: (ms: number, kib?: number) => void;
}

function once(f: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    f();
  };
}

/** Jobs waiting on or in a worker: where a moved instance goes. */
function load(w: GuestWorker): number {
  return w.posted.size + w.queue.length;
}
