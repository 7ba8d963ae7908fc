import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@kedge/core';
import type { Cancellation } from '../../queue/cancellation.js';
import type {
  CompiledComponent,
  FromWorker,
  InstanceSpec,
  LogBatch,
  OutboundReply,
  OutboundRequest,
  PullReply,
  RequestInit,
  ToWorker,
} from './protocol.js';

/**
 * Workers must run plain JS: the script is always the built one in the package's dist/, also when
 * this file is loaded from src/ by vitest (both sit three levels below the package root).
 */
export const WORKER_FILE = fileURLToPath(new URL('../../../dist/runtimes/wasm/worker.js', import.meta.url));

export type GuestFailureKind = 'trap' | 'exit' | 'no-response' | 'guest-error' | 'setup' | 'timeout' | 'crashed' | 'aborted';

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

interface Job {
  id: number;
  msg: ToWorker;
  instanceId: string;
  component?: CompiledComponent;
  /** The rest of a request body, read on the guest's demand. */
  pull?: () => Promise<Uint8Array | null>;
  /** Returns true when the job is finished (the worker is free for the next one). */
  onMessage(m: FromWorker): boolean;
  onLost(kind: GuestFailureKind, message: string): void;
}

/** Response bytes a guest may have written that the client has not read yet. */
const MAX_UNREAD_BYTES = 64 * 1024 * 1024;

/** Jobs posted ahead to a worker, so it never idles for a message round trip between two. */
const PIPELINE = 16;
const CANCEL_SLOTS = 64;

class GuestWorker {
  readonly loaded = new Set<string>();
  readonly instances = new Set<string>();
  /** Not yet posted. */
  queue: Job[] = [];
  /** Not yet posted, and posted only to an idle worker. */
  background: Job[] = [];
  /** Posted, in order; the worker runs them one by one, so the first is the one running. */
  posted: Job[] = [];
  dead = false;
  /** The thread is gone (error/exit seen): nothing more is posted to it before it is replaced. */
  gone = false;
  /**
   * Messages for the worker, sent together once this turn of the event loop is over: waking a
   * sleeping thread costs tens of µs here (a cross-CPU interrupt in the VM), so requests that
   * arrived on many connections in one turn share one wake-up.
   */
  outbox: ToWorker[] = [];
  /** Job ids the worker must skip when it reaches them (their deadline passed while waiting). */
  readonly cancelled = new Int32Array(new SharedArrayBuffer(4 * CANCEL_SLOTS));
  readonly worker: Worker;
  /** Outbound replies: posted on the port, then the cell is set so the blocked guest wakes. */
  readonly outCell = new Int32Array(new SharedArrayBuffer(4));
  readonly outPort: MessagePort;
  /** Everything the worker says comes here (not through the Worker object: a port can be drained). */
  readonly replies: MessagePort;
  /** The reply port keeps the process alive only while jobs are out (an idle pool lets it exit). */
  private reffed = false;
  keepAlive(): void {
    const want = this.posted.length > 0 && !this.dead;
    if (want === this.reffed) return;
    this.reffed = want;
    if (want) this.replies.ref();
    else this.replies.unref();
  }
  constructor(file: string) {
    const { port1, port2 } = new MessageChannel();
    const replies = new MessageChannel();
    this.outPort = port1;
    this.replies = replies.port1;
    this.worker = new Worker(file, {
      workerData: { cancelled: this.cancelled, outbound: { cell: this.outCell, port: port2 }, replies: replies.port2 },
      transferList: [port2, replies.port2],
    });
  }
  get running(): Job | undefined {
    return this.posted[0];
  }
  /** When the job now running started (it became the first posted). */
  runningSince = 0;
  /** Posted jobs whose instance moved to another worker: this worker skips them, their answer is dropped. */
  readonly abandoned = new Set<number>();
}

/** A guest running this long makes its worker's other instances move to a free worker. */
const STALL_MS = 500;

export interface WorkerPoolOptions {
  /** Workers serving guests (each runs one guest call at a time). */
  workers: number;
  /** Started workers kept idle to replace one that was killed (a new one takes ~75 ms). */
  spares: number;
  logger: Logger;
  workerFile?: string;
  /** Performs a guest's outbound request (policy already checked in the worker and again here). */
  outbound?: (req: OutboundRequest, spec: InstanceSpec) => Promise<OutboundReply>;
}

/**
 * Guest worker threads. An instance lives in one worker; a worker hosts many instances and runs
 * one job at a time. A job past its deadline is ended by terminating its worker: the other
 * instances of that worker are re-created on a warm spare and their queued jobs move with them.
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
    this.watchdog = setInterval(() => this.unstall(), STALL_MS / 2);
    this.watchdog.unref();
  }

  private readonly watchdog: NodeJS.Timeout;

  /**
   * A sync guest that runs long (a loop waiting for its deadline, a heavy request) blocks every
   * instance sharing its worker. Those neighbours move to the least busy worker that is not stalled:
   * re-instantiated there (their memory starts fresh), with their waiting jobs.
   */
  private unstall(): void {
    const now = performance.now();
    const stalled = (w: GuestWorker) => w.posted.length > 0 && now - w.runningSince > STALL_MS;
    for (const w of this.active) {
      if (w.dead || !stalled(w)) continue;
      const stuck = w.posted[0]!.instanceId;
      const neighbours = [...w.instances].filter((id) => id !== stuck);
      const free = this.active.filter((o) => o !== w && !o.dead && !stalled(o));
      if (!neighbours.length || !free.length) continue;
      for (const id of neighbours) {
        const to = free.reduce((a, b) => (b.posted.length + b.queue.length < a.posted.length + a.queue.length ? b : a));
        this.move(id, w, to);
      }
    }
  }

  private move(id: string, from: GuestWorker, to: GuestWorker): void {
    from.instances.delete(id);
    to.instances.add(id);
    this.placement.set(id, to);
    this.opts.logger.info({ instance: id }, 'guest moved off a stalled worker');
    // Requests already posted behind the stuck one are skipped there and sent again here; anything
    // not posted yet simply moves. (A posted instantiation finishes there: harmless, dropped below.)
    const posted = from.posted.slice(1).filter((j) => j.instanceId === id && j.msg.type === 'request');
    for (const j of posted) {
      from.abandoned.add(j.id);
      Atomics.store(from.cancelled, j.id % CANCEL_SLOTS, j.id);
    }
    const queued = from.queue.filter((j) => j.instanceId === id);
    const background = from.background.filter((j) => j.instanceId === id);
    from.queue = from.queue.filter((j) => j.instanceId !== id);
    from.background = from.background.filter((j) => j.instanceId !== id);
    this.instantiateOn(to, id).catch((err) => this.opts.logger.error({ err, instance: id }, 'could not move guest instance'));
    to.queue.push(...posted, ...queued);
    to.background.push(...background);
    // The stalled worker forgets its copy once (if ever) it is free again.
    const dropId = this.nextJob++;
    from.queue.push({ id: dropId, instanceId: id, msg: { type: 'drop', job: dropId, instanceId: id }, onMessage: () => true, onLost: () => undefined });
    this.pump(to);
  }

  get workerCount(): number {
    return this.active.length;
  }

  private spawn(): GuestWorker {
    const w = new GuestWorker(this.file);
    w.worker.unref();
    w.replies.on('message', (m: FromWorker) => {
      this.onMessage(w, m);
      // Answers that arrived meanwhile are taken in turn, without a message event each.
      for (let r = receiveMessageOnPort(w.replies); r; r = receiveMessageOnPort(w.replies)) this.onMessage(w, r.message as FromWorker);
    });
    w.replies.unref();
    // Answers travel on their own port, so one sent just before the worker died may still wait there.
    const takeLastAnswers = () => {
      if (w.dead) return;
      w.gone = true;
      for (let r = receiveMessageOnPort(w.replies); r; r = receiveMessageOnPort(w.replies)) this.onMessage(w, r.message as FromWorker);
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

  /** Creates (or re-creates) an instance; resolves with the worker-side instantiate time in ms. */
  /**
   * `background`: a guest made ahead of need (a warm guest) — it waits until the worker has nothing
   * else to do, so it never delays a request.
   */
  instantiate(spec: InstanceSpec, component: CompiledComponent, background = false): Promise<number> {
    this.specs.set(spec.instanceId, { spec, component });
    let w = this.placement.get(spec.instanceId);
    if (!w) {
      w = this.active.reduce((a, b) => (b.instances.size < a.instances.size ? b : a));
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
   * Rejects with GuestFailure when no response head came.
   */
  request(instanceId: string, req: RequestInit, cancel?: Cancellation, pull?: () => Promise<Uint8Array | null>): Promise<GuestResponse> {
    const w = this.placement.get(instanceId);
    if (!w) return Promise.reject(new GuestFailure('setup', `instance ${instanceId} is not running`));
    return new Promise<GuestResponse>((resolve, reject) => {
      const id = this.nextJob++;
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      let headDone = false;
      let finished = false;
      let stream: ReadableStream<Uint8Array> | undefined;
      let stopListening: (() => void) | undefined;
      const body = () =>
        (stream ??= new ReadableStream<Uint8Array>(
          { start: (c) => void (controller = c) },
          { highWaterMark: 0, size: (chunk: Uint8Array) => chunk.byteLength },
        ));
      const push = (chunks: Uint8Array[]) => {
        for (const c of chunks) if (c.length) controller.enqueue(c);
        // A sync guest cannot be paused: one that writes far ahead of its reader is stopped.
        if ((controller.desiredSize ?? 0) < -MAX_UNREAD_BYTES) {
          const cur = this.placement.get(instanceId);
          const message = `the response body ran more than ${MAX_UNREAD_BYTES >> 20} MiB ahead of its reader`;
          if (cur && cur.running === job) this.replace(cur, 'guest-error', message);
          else fail('guest-error', message);
        }
      };
      const fail = (kind: GuestFailureKind, message: string) => {
        if (finished) return;
        finished = true;
        stopListening?.();
        if (!headDone) reject(new GuestFailure(kind, message));
        else controller.error(new GuestFailure(kind, message));
      };
      const job: Job = {
        id,
        instanceId,
        msg: { type: 'request', job: id, instanceId, req },
        ...(pull ? { pull } : {}),
        onMessage: (m) => {
          if (finished) return m.type === 'done' || m.type === 'failed';
          switch (m.type) {
            case 'head':
              headDone = true;
              resolve({ status: m.status, headers: m.headers, body: body() });
              push(m.chunks);
              return false;
            case 'chunks':
              push(m.chunks);
              return false;
            case 'done':
              this.log(instanceId, m.log);
              finished = true;
              stopListening?.();
              if (!headDone && m.head) {
                headDone = true;
                resolve({ status: m.head.status, headers: m.head.headers, body: concat(m.chunks) });
                return true;
              }
              push(m.chunks);
              controller.close();
              return true;
            case 'failed':
              this.log(instanceId, m.log);
              if (m.kind === 'trap' || m.kind === 'exit')
                this.opts.logger.warn({ instance: instanceId, reason: m.message }, `guest ${m.kind}: instance discarded, the worker started a fresh one`);
              fail(m.kind, m.message);
              return true;
            default:
              return true;
          }
        },
        onLost: (kind, message) => fail(kind, message),
      };
      const onAbort = (why: unknown) => {
        const r = why as { name?: string; message?: string } | undefined;
        // A passed deadline ends the guest; a client that went away only stops waiting for it.
        const deadline = r?.name === 'TimeoutError';
        const reason = new GuestFailure(deadline ? 'timeout' : 'aborted', r?.message ?? 'request aborted');
        const cur = this.placement.get(instanceId);
        if (cur && cur.running === job) {
          // A sync guest cannot be interrupted: its thread goes, its neighbours move to a spare.
          if (deadline) this.replace(cur, reason.kind, reason.message);
          else fail(reason.kind, reason.message);
        } else if (cur) {
          if (cur.posted.includes(job)) Atomics.store(cur.cancelled, job.id % CANCEL_SLOTS, job.id);
          else cur.queue = cur.queue.filter((j) => j !== job);
          fail(reason.kind, reason.message);
        }
      };
      if (cancel?.aborted) return reject(new GuestFailure('aborted', 'request aborted'));
      stopListening = cancel?.onCancel(onAbort);
      this.enqueue(w, job);
    });
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
    this.enqueue(w, { id, instanceId, msg: { type: 'drop', job: id, instanceId }, onMessage: () => true, onLost: () => undefined });
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
      this.enqueue(w, { id, instanceId: '', msg: { type: 'forget', job: id, key }, onMessage: () => true, onLost: () => undefined });
    }
  }

  private enqueue(w: GuestWorker, job: Job, background = false): void {
    (background ? w.background : w.queue).push(job);
    this.pump(w);
  }

  private pump(w: GuestWorker): void {
    while (!w.dead && !w.gone && w.posted.length < PIPELINE && (w.queue.length || (w.posted.length === 0 && w.background.length))) {
      const job = (w.queue.length ? w.queue : w.background).shift()!;
      if (w.posted.length === 0) w.runningSince = performance.now();
      w.posted.push(job);
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
    if (m.type === 'outbound') return this.onOutbound(w, m);
    if (m.type === 'pull') return this.onPull(w, m.job);
    const job = w.posted[0];
    if (!job || job.id !== m.job) return;
    // An abandoned job was cancelled before it ran: the worker answers it with one 'failed'.
    const done = w.abandoned.delete(job.id) || job.onMessage(m);
    if (done) {
      w.posted.shift();
      w.runningSince = performance.now();
      this.pump(w);
    }
  }

  private onPull(w: GuestWorker, jobId: number): void {
    const job = w.posted.find((j) => j.id === jobId);
    const next: Promise<PullReply> = job?.pull
      ? job.pull().then(
          (chunk) => (chunk ? { chunk } : { end: true as const }),
          () => ({ end: true as const }),
        )
      : Promise.resolve({ end: true as const });
    void next.then((r) => this.wake(w, r));
  }

  /** Hands a reply to a guest blocked in the worker and wakes it. */
  private wake(w: GuestWorker, reply: unknown): void {
    if (w.dead) return;
    w.outPort.postMessage(reply);
    Atomics.store(w.outCell, 0, 1);
    Atomics.notify(w.outCell, 0);
  }

  private onOutbound(w: GuestWorker, m: Extract<FromWorker, { type: 'outbound' }>): void {
    const spec = this.specs.get(m.instanceId)?.spec;
    const perform = this.opts.outbound;
    const reply: Promise<OutboundReply> =
      spec && perform ? perform(m.req, spec).catch((err) => ({ error: 'internal-error', message: String(err) })) : Promise.resolve({ error: 'HTTP-request-denied' });
    void reply.then((r) => this.wake(w, r));
  }

  /** Ends a worker (deadline or crash) and moves its instances and queued jobs to a fresh one. */
  private replace(w: GuestWorker, kind: GuestFailureKind, message: string): void {
    if (w.dead) return;
    w.dead = true;
    void w.worker.terminate();
    w.outPort.close();
    w.replies.close();
    // Jobs posted behind the running one never started: they move to the replacement.
    const [running, ...moved] = w.posted.filter((j, i) => i === 0 || !w.abandoned.has(j.id));
    w.posted = [];
    const idx = this.active.indexOf(w);
    if (idx < 0 || this.closed) {
      running?.onLost(kind, message);
      for (const j of [...moved, ...w.queue, ...w.background]) j.onLost('crashed', 'runner is stopping');
      return;
    }
    const next = this.spares.shift() ?? this.spawn();
    this.active[idx] = next;
    if (this.spares.length < this.opts.spares) setImmediate(() => !this.closed && this.spares.push(this.spawn()));
    for (const id of w.instances) {
      next.instances.add(id);
      this.placement.set(id, next);
      this.instantiateOn(next, id).catch((err) => this.opts.logger.error({ err, instance: id }, 'could not move guest instance'));
    }
    for (const j of [...moved, ...w.queue]) next.queue.push(j);
    next.background.push(...w.background);
    w.queue = [];
    w.background = [];
    this.pump(next);
    running?.onLost(kind, message);
  }

  private log(instanceId: string, log: LogBatch | undefined): void {
    if (!log) return;
    const rev = this.specs.get(instanceId)?.spec.revision;
    const l = this.opts.logger;
    if (log.stdout) l.info({ revision: rev, instance: instanceId, stream: 'stdout' }, log.stdout.trimEnd());
    if (log.stderr) l.warn({ revision: rev, instance: instanceId, stream: 'stderr' }, log.stderr.trimEnd());
    if (log.truncated) l.warn({ revision: rev, instance: instanceId }, 'guest output over the per-request limit was dropped');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    const all = [...this.active, ...this.spares];
    for (const w of all) {
      w.dead = true;
      w.outPort.close();
      w.replies.close();
      for (const j of [...w.posted, ...w.queue, ...w.background]) j.onLost('crashed', 'runner is stopping');
    }
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
