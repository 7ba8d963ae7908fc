/**
 * A guest worker: hosts many instances. A synchronous guest's call runs to its end before the next
 * message is read; a JSPI guest's call suspends whenever it waits (timer, body, outbound answer), so
 * the worker interleaves many of them — one call in flight per instance, one on the CPU at a time.
 * `cpu` (shared) says which job's guest code runs, so the main thread can tell a runaway from a
 * waiting call when a deadline passes.
 */
import { readlinkSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  GuestExit,
  ResponseOutparam,
  hostImports,
  outboundVia,
  type ByteSink,
  type OutboundReply,
  type ResponseSink,
  type Waits,
} from './host/index.js';
import {
  evaluateGlue,
  headerStrings,
  incomingRequest,
  instantiateGuest,
  type Handler,
  type Instantiate,
} from './guest.js';
import {
  HOOKS,
  SLOTS,
  type CompiledComponent,
  type FromWorker,
  type InstanceSpec,
  type LogBatch,
  type PullReply,
  type RequestInit,
  type SharedState,
  type ToWorker,
} from './protocol.js';

interface LiveInstance {
  handler: Handler;
  logs: LogCapture;
  spec: InstanceSpec;
  key: string;
  async: boolean;
  /** The call in flight on a JSPI instance. */
  call?: Call;
  /** Its core instances' linear memories, and the KiB last counted for them. */
  memories: WebAssembly.Memory[];
  kib: number;
  /**
   * Requests that came while a call was still finishing here (the main thread may free a guest a
   * moment before its cancelled call has unwound): they run after it, in order.
   */
  backlog: Extract<ToWorker, { type: 'request' }>[];
}

/** One suspended-capable guest call. */
interface Call {
  job: number;
  inst: LiveInstance;
  sink: Sink;
  cancelled: boolean;
  /** Rejects what the call waits on: a cancelled call must not wait for ever. */
  readonly stops: Set<(err: Error) => void>;
}

const port = parentPort!;
const components = new Map<string, { instantiate: Instantiate; component: CompiledComponent }>();
const instances = new Map<string, LiveInstance>();
const data = workerData as SharedState & { outbound: { cell: Int32Array; port: MessagePort }; replies: MessagePort };
const calls = new Map<number, Call>();
/** Answers the main thread owes to suspended calls, by reply id. */
const replies = new Map<number, (value: unknown) => void>();
let nextReply = 1;
let currentJob = 0;

// The thread's own id (Linux): lets the main thread lower the priority of a worker held by a runaway.
try {
  Atomics.store(data.cpu, 3, Number(readlinkSync('/proc/thread-self').split('/').pop()));
} catch {
  // Not Linux: no per-thread priority.
}

/** The request may run unless the main thread took it back (moved or cancelled) before it started. */
const claim = (job: number) => Atomics.compareExchange(data.slots, job % SLOTS, job, -job) === job;

function onCpu(job: number): void {
  Atomics.store(data.cpu, 0, job);
  Atomics.add(data.cpu, 1, 1);
}

class CallCancelled extends Error {
  constructor() {
    super('the request was cancelled (deadline passed or client left) while the guest waited');
    this.name = 'CallCancelled';
  }
}

/** Every Promise a JSPI call waits on passes here, so a cancel can end the wait. */
function suspend<T>(call: Call | undefined, p: Promise<T>): Promise<T> {
  if (!call) return p;
  return new Promise<T>((resolve, reject) => {
    call.stops.add(reject);
    p.then(
      (v) => {
        call.stops.delete(reject);
        if (!call.cancelled) resolve(v);
      },
      (err: Error) => {
        call.stops.delete(reject);
        reject(err);
      },
    );
  });
}

/**
 * Suspended calls resume one at a time: V8 resumes a call in the microtasks after its Promise
 * settles, so `cpu` set just before names exactly the call that runs until it leaves the CPU again
 * (waits or ends) — and that moment lets the next one resume, in the same microtask checkpoint.
 * (Should a resumed call not come back through a hook, the next one goes after a macrotask.)
 */
const resumes: (() => void)[] = [];
let resuming = 0;
function resumeNext(): void {
  const next = resumes.shift();
  if (!next) {
    resuming = 0;
    return;
  }
  const turn = ++resumeTurn;
  resuming = turn;
  next();
  if (resumes.length) setImmediate(() => resuming === turn && resumeNext());
}
let resumeTurn = 0;
/** The call on the CPU left it: the next suspended call may resume. */
function leftCpu(): void {
  if (resuming) resumeNext();
}
function resumeLater<T>(inst: LiveInstance, settle: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    resumes.push(() => {
      onCpu(inst.call?.job ?? 0);
      try {
        resolve(settle());
      } catch (err) {
        reject(err);
      }
    });
    if (!resuming) resumeNext();
  });
}

/** imports[HOOKS] of a JSPI instance (compile.ts patches them into the glue). */
function hooks(inst: LiveInstance) {
  return {
    /** The export's entry runs wasm until the call first waits or ends. */
    entry:
      (f: (...a: unknown[]) => unknown) =>
      (...args: unknown[]) => {
        const job = inst.call?.job ?? 0;
        // Claimed here, not when the message came: calls that arrived together enter wasm one after
        // another, and one of them may never return (a loop); the ones behind it can still be moved.
        if (!claim(job)) throw new CallCancelled();
        // A resumed call may be between its settle and its wasm: it gets the CPU marker back.
        const resumed = Atomics.load(data.cpu, 0);
        onCpu(job);
        try {
          return f(...args);
        } finally {
          onCpu(resumed);
        }
      },
    /** A suspending import that returns a Promise takes the call off the CPU until it resumes. */
    suspending:
      (f: (...a: unknown[]) => unknown) =>
      (...args: unknown[]) => {
        const r = f(...args);
        if (!(r instanceof Promise)) return r;
        onCpu(0);
        // What the guest wrote before it waits goes out now, not after the wait.
        inst.call?.sink.flushWritten();
        leftCpu();
        return r.then(
          (v) => resumeLater(inst, () => v),
          (err: unknown) =>
            resumeLater(inst, () => {
              throw err;
            }),
        );
      },
  };
}

/** Keeps `cpu[2]` (KiB of linear memory of this worker's instances) current for one instance. */
function countMemory(inst: LiveInstance, gone = false): void {
  let bytes = 0;
  if (!gone) for (const m of inst.memories) bytes += m.buffer.byteLength;
  const kib = Math.ceil(bytes / 1024);
  Atomics.add(data.cpu, 2, kib - inst.kib);
  inst.kib = kib;
}

function forgetInstance(id: string): void {
  const old = instances.get(id);
  if (!old) return;
  instances.delete(id);
  countMemory(old, true);
}

/** Asks the main thread for something a suspended call waits on. */
function ask<T>(call: Call, msg: Extract<FromWorker, { type: 'pull' | 'outbound' }>): Promise<T> {
  const id = nextReply++;
  post({ ...msg, reply: id });
  return suspend(call, new Promise<T>((resolve) => replies.set(id, resolve as (v: unknown) => void)));
}

/**
 * A synchronous guest cannot yield, so an outbound request blocks its thread: ask the main
 * thread to perform it, sleep on a shared cell until the reply is on the outbound port.
 */
function blockingReply<T>(ask: FromWorker): T | undefined {
  Atomics.store(data.outbound.cell, 0, 0);
  post(ask);
  Atomics.wait(data.outbound.cell, 0, 0);
  return receiveMessageOnPort(data.outbound.port)?.message as T | undefined;
}

function pullBody(job: number, call: Call | undefined): () => Uint8Array | null | Promise<Uint8Array | null> {
  const chunk = (reply: PullReply | undefined) => (reply && 'chunk' in reply ? reply.chunk : null);
  if (call) return () => ask<PullReply>(call, { type: 'pull', job }).then(chunk);
  return () => chunk(blockingReply<PullReply>({ type: 'pull', job }));
}

function performOutbound(inst: LiveInstance) {
  const instanceId = inst.spec.instanceId;
  return outboundVia((req) => {
    if (inst.call) return ask<OutboundReply>(inst.call, { type: 'outbound', job: inst.call.job, instanceId, req });
    const reply = blockingReply<OutboundReply>({ type: 'outbound', job: currentJob, instanceId, req });
    return reply ?? { error: 'internal-error', message: 'no reply from the runner' };
  });
}
/**
 * Answers of JSPI calls that ended in one turn of the event loop leave together as one message (a
 * postMessage was ~15 % of a waiting guest's worker CPU). Everything else goes at once (a
 * synchronous guest streams while it runs), after whatever waits in the outbox.
 */
let outbox: FromWorker[] = [];
let outboxTransfer: ArrayBuffer[] = [];
function flushOutbox(): void {
  if (!outbox.length) return;
  const msgs = outbox;
  const transfer = outboxTransfer;
  outbox = [];
  outboxTransfer = [];
  data.replies.postMessage(msgs.length === 1 ? msgs[0] : ({ type: 'batch', msgs } satisfies FromWorker), transfer);
}
function later(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  if (outbox.push(msg) === 1) setImmediate(flushOutbox);
  if (transfer) outboxTransfer.push(...transfer);
}
function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  flushOutbox();
  data.replies.postMessage(msg, transfer ?? []);
}

/** stdout/stderr of one instance, kept up to a limit per request. */
class LogCapture {
  private out = '';
  private err = '';
  private truncated = false;
  private readonly decoder = new TextDecoder();
  constructor(private readonly limit: number) {}
  sink(which: 'out' | 'err'): ByteSink {
    return {
      open: true,
      write: (bytes) => {
        const used = this.out.length + this.err.length;
        if (used >= this.limit) {
          this.truncated = true;
          return;
        }
        const room = this.limit - used;
        if (bytes.length > room) this.truncated = true;
        const text = this.decoder.decode(bytes.length > room ? bytes.subarray(0, room) : bytes);
        if (which === 'out') this.out += text;
        else this.err += text;
      },
    };
  }
  take(): LogBatch | undefined {
    if (!this.out && !this.err && !this.truncated) return undefined;
    const batch: LogBatch = {};
    if (this.out) batch.stdout = this.out;
    if (this.err) batch.stderr = this.err;
    if (this.truncated) batch.truncated = true;
    this.out = this.err = '';
    this.truncated = false;
    return batch;
  }
}

function load(c: CompiledComponent): Instantiate {
  let entry = components.get(c.key);
  if (!entry) {
    entry = { instantiate: evaluateGlue(c.glue), component: c };
    components.set(c.key, entry);
  }
  return entry.instantiate;
}

function create(spec: InstanceSpec, key: string): void {
  const entry = components.get(key);
  if (!entry) throw new Error(`component ${key} was not sent to this worker`);
  const logs = new LogCapture(spec.logLimit);
  const inst = {
    logs,
    spec,
    key,
    async: entry.component.async,
    backlog: [] as LiveInstance['backlog'],
    memories: [],
    kib: 0,
  } as unknown as LiveInstance;
  const waits: Waits | undefined = inst.async ? { async: true, suspend: (p) => suspend(inst.call, p) } : undefined;
  const imports = hostImports({
    env: spec.env,
    stdout: logs.sink('out'),
    stderr: logs.sink('err'),
    ...(waits ? { waits } : {}),
    ...(spec.outbound !== 'none' ? { outbound: performOutbound(inst) } : {}),
  });
  if (inst.async) (imports as Record<string, unknown>)[HOOKS] = hooks(inst);
  inst.handler = instantiateGuest(entry.instantiate, entry.component, imports, inst.memories);
  forgetInstance(spec.instanceId);
  instances.set(spec.instanceId, inst);
  countMemory(inst);
}

function instantiate(msg: Extract<ToWorker, { type: 'instantiate' }>): void {
  const t0 = performance.now();
  try {
    if (msg.component) load(msg.component);
    create(msg.spec, msg.key);
    post({ type: 'instantiated', job: msg.job, ms: performance.now() - t0 });
  } catch (err) {
    forgetInstance(msg.spec.instanceId);
    post({ type: 'failed', job: msg.job, kind: 'setup', message: describe(err), headSent: false });
  }
}

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 5;

/**
 * Small responses travel in one message when the guest returns; a guest that keeps writing
 * streams (flushed every 64 KiB or 5 ms of writes). The 5 ms count from the first write, not from
 * the start of the request: a guest that computes first and then writes its answer at once sends
 * one complete response, however long it computed.
 */
class Sink implements ResponseSink {
  head_: { status: number; headers: [string, string][] } | undefined;
  headSent = false;
  ended = false;
  failed: string | undefined;
  /** False once the call was cancelled: the guest's further writes fail with `closed`. */
  open = true;
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private lastFlush: number | undefined;
  /** When the guest was entered: the call's time is what the HPA counts as the instance's CPU. */
  private readonly startedAt = performance.now();
  constructor(private readonly job: number) {}
  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
  close(): void {
    this.open = false;
  }
  head(status: number, headers: [string, Uint8Array][]): void {
    this.head_ = { status, headers: headerStrings(headers) };
  }
  chunk(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.bytes += bytes.length;
    const now = performance.now();
    this.lastFlush ??= now;
    if (this.bytes >= FLUSH_BYTES || now - this.lastFlush >= FLUSH_MS) this.flush();
  }
  end(): void {
    this.ended = true;
  }
  fail(message: string): void {
    this.failed = message;
  }
  private takeChunks(): [Uint8Array[], ArrayBuffer[]] {
    const chunks = this.chunks.map((c) => (c.byteOffset === 0 && c.byteLength === c.buffer.byteLength ? c : c.slice()));
    this.chunks = [];
    this.bytes = 0;
    return [chunks, chunks.map((c) => c.buffer as ArrayBuffer)];
  }
  /** Sends the bytes written so far, if any (a guest about to wait). */
  flushWritten(): void {
    if (this.bytes > 0) this.flush();
  }
  flush(): void {
    this.lastFlush = performance.now();
    if (!this.head_) return;
    const [chunks, transfer] = this.takeChunks();
    if (!this.headSent) {
      this.headSent = true;
      post({ type: 'head', job: this.job, ...this.head_, chunks }, transfer);
    } else post({ type: 'chunks', job: this.job, chunks }, transfer);
  }
  done(log: LogBatch | undefined, send: typeof post, kib: number): void {
    const [chunks, transfer] = this.takeChunks();
    const msg: FromWorker = { type: 'done', job: this.job, chunks, kib, ms: this.elapsedMs() };
    if (!this.headSent && this.head_) msg.head = this.head_;
    if (log) msg.log = log;
    send(msg, transfer);
  }
}

function request(msg: Extract<ToWorker, { type: 'request' }>): void {
  const inst = instances.get(msg.instanceId);
  if (!inst) {
    post({
      type: 'failed',
      job: msg.job,
      kind: 'setup',
      message: `instance ${msg.instanceId} is not loaded`,
      headSent: false,
    });
    return;
  }
  if (inst.call) {
    inst.backlog.push(msg);
    return;
  }
  const sink = new Sink(msg.job);
  const req: RequestInit = msg.req;
  const call: Call | undefined = inst.async
    ? { job: msg.job, inst, sink, cancelled: false, stops: new Set() }
    : undefined;
  if (call) {
    inst.call = call;
    calls.set(msg.job, call);
  }
  currentJob = msg.job;
  // A JSPI call's wasm is entered later, through hooks(): jco awaits its bookkeeping first.
  if (!call) onCpu(msg.job);
  let result: void | Promise<void>;
  try {
    result = inst.handler.handle(
      incomingRequest(req, req.bodyMore ? pullBody(msg.job, call) : undefined),
      new ResponseOutparam(sink),
    );
  } catch (err) {
    onCpu(0);
    return complete(msg.job, inst, sink, err);
  }
  if (!call) onCpu(0);
  if (!(result instanceof Promise)) return complete(msg.job, inst, sink);
  result.then(
    () => complete(msg.job, inst, sink),
    (err: unknown) => complete(msg.job, inst, sink, err),
  );
}

/** The guest's call ended (returned, trapped, or was cancelled): the answer goes to the main thread. */
function complete(job: number, inst: LiveInstance, sink: Sink, err?: unknown): void {
  if (Atomics.load(data.cpu, 0) === job) onCpu(0);
  const call = calls.get(job);
  // A JSPI call that ends was the one resumed last (its wasm returned without another wait).
  if (call) leftCpu();
  calls.delete(job);
  if (inst.call === call) inst.call = undefined;
  // Counted before the answer, which carries the count (a discarded instance is uncounted again).
  if (instances.get(inst.spec.instanceId) === inst) countMemory(inst);
  answer(job, inst, sink, call, err);
  // To the instance now under that id (a fresh one if this one was discarded).
  for (const next of inst.backlog.splice(0)) request(next);
}

function answer(job: number, inst: LiveInstance, sink: Sink, call: Call | undefined, err: unknown): void {
  const send = call ? later : post;
  if (call?.cancelled || err !== undefined) {
    // A trapped instance cannot be entered again (jco refuses it), and a cancelled one stopped in the
    // middle of its work: discard it, start a fresh one under the same id.
    if (instances.get(inst.spec.instanceId) === inst) {
      forgetInstance(inst.spec.instanceId);
      try {
        create(inst.spec, inst.key);
      } catch {
        // Stays gone: its next requests fail with a setup error.
      }
    }
    const log = inst.logs.take();
    send({
      type: 'failed',
      job,
      kind: call?.cancelled ? 'guest-error' : err instanceof GuestExit ? 'exit' : 'trap',
      message: call?.cancelled ? 'cancelled' : describe(err),
      headSent: sink.headSent,
      ms: sink.elapsedMs(),
      ...(log ? { log } : {}),
    });
    return;
  }
  const log = inst.logs.take();
  if (sink.failed !== undefined || !sink.head_) {
    send({
      type: 'failed',
      job,
      kind: sink.failed !== undefined ? 'guest-error' : 'no-response',
      message: sink.failed ?? 'the guest returned from incoming-handler.handle without setting a response',
      headSent: sink.headSent,
      ms: sink.elapsedMs(),
      ...(log ? { log } : {}),
    });
    return;
  }
  sink.done(log, send, inst.kib);
}

function cancel(job: number): void {
  const call = calls.get(job);
  if (!call || call.cancelled) return;
  call.cancelled = true;
  call.sink.close();
  const err = new CallCancelled();
  for (const stop of [...call.stops]) stop(err);
  call.stops.clear();
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  return String(err);
}

port.on('message', (msg: ToWorker) => {
  handleMessage(msg);
  // Jobs posted ahead are already queued: take them in turn without a message event each.
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port))
    handleMessage(next.message as ToWorker);
});

function handleMessage(msg: ToWorker): void {
  switch (msg.type) {
    case 'batch':
      for (const m of msg.msgs) handleMessage(m);
      return;
    case 'reply': {
      const resolve = replies.get(msg.id);
      replies.delete(msg.id);
      resolve?.(msg.value);
      return;
    }
    case 'cancel':
      return cancel(msg.job);
    case 'instantiate':
      return instantiate(msg);
    case 'request':
      // A JSPI call is claimed when it enters wasm (hooks).
      if (!instances.get(msg.instanceId)?.async && !claim(msg.job)) {
        post({ type: 'failed', job: msg.job, kind: 'setup', message: 'cancelled before it ran', headSent: false });
        return;
      }
      return request(msg);
    case 'drop':
      forgetInstance(msg.instanceId);
      post({ type: 'ok', job: msg.job });
      return;
    case 'forget':
      components.delete(msg.key);
      post({ type: 'ok', job: msg.job });
      return;
  }
}
