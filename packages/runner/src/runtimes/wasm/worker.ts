/**
 * A guest worker: hosts many instances, runs one job at a time (the main thread never posts the
 * next job before this one answered, so it always knows which guest is running when a deadline hits).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  GuestExit,
  ResponseOutparam,
  hostImports,
  outboundVia,
  type ByteSink,
  type OutboundReply,
  type ResponseSink,
} from './host/index.js';
import { evaluateGlue, headerStrings, incomingRequest, instantiateGuest, type Handler, type Instantiate } from './guest.js';
import type { CompiledComponent, FromWorker, InstanceSpec, LogBatch, PullReply, RequestInit, ToWorker } from './protocol.js';

interface LiveInstance {
  handler: Handler;
  logs: LogCapture;
  spec: InstanceSpec;
  key: string;
}

const port = parentPort!;
const components = new Map<string, { instantiate: Instantiate; component: CompiledComponent }>();
const instances = new Map<string, LiveInstance>();
const data = workerData as { cancelled: Int32Array; outbound: { cell: Int32Array; port: MessagePort }; replies: MessagePort };
/** Set by the main thread for jobs whose deadline passed while they waited here. */
const cancelled = data.cancelled;
let currentJob = 0;

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

function pullBody(job: number): () => Uint8Array | null {
  return () => {
    const reply = blockingReply<PullReply>({ type: 'pull', job });
    return reply && 'chunk' in reply ? reply.chunk : null;
  };
}

function performOutbound(instanceId: string) {
  return outboundVia((req) => {
    const reply = blockingReply<OutboundReply>({ type: 'outbound', job: currentJob, instanceId, req });
    return reply ?? { error: 'internal-error', message: 'no reply from the runner' };
  });
}
const isCancelled = (job: number) => Atomics.load(cancelled, job % cancelled.length) === job;
const post = (msg: FromWorker, transfer?: ArrayBuffer[]) => data.replies.postMessage(msg, transfer ?? []);

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
  const imports = hostImports({
    env: spec.env,
    stdout: logs.sink('out'),
    stderr: logs.sink('err'),
    ...(spec.outbound !== 'none' ? { outbound: performOutbound(spec.instanceId) } : {}),
  });
  instances.set(spec.instanceId, { handler: instantiateGuest(entry.instantiate, entry.component, imports), logs, spec, key });
}

function instantiate(msg: Extract<ToWorker, { type: 'instantiate' }>): void {
  const t0 = performance.now();
  try {
    if (msg.component) load(msg.component);
    create(msg.spec, msg.key);
    post({ type: 'instantiated', job: msg.job, ms: performance.now() - t0 });
  } catch (err) {
    instances.delete(msg.spec.instanceId);
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
  private chunks: Uint8Array[] = [];
  private bytes = 0;
  private lastFlush: number | undefined;
  readonly open = true;
  constructor(private readonly job: number) {}
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
  flush(): void {
    this.lastFlush = performance.now();
    if (!this.head_) return;
    const [chunks, transfer] = this.takeChunks();
    if (!this.headSent) {
      this.headSent = true;
      post({ type: 'head', job: this.job, ...this.head_, chunks }, transfer);
    } else post({ type: 'chunks', job: this.job, chunks }, transfer);
  }
  done(log: LogBatch | undefined): void {
    const [chunks, transfer] = this.takeChunks();
    const msg: FromWorker = { type: 'done', job: this.job, chunks };
    if (!this.headSent && this.head_) msg.head = this.head_;
    if (log) msg.log = log;
    post(msg, transfer);
  }
}

function request(msg: Extract<ToWorker, { type: 'request' }>): void {
  const inst = instances.get(msg.instanceId);
  if (!inst) {
    post({ type: 'failed', job: msg.job, kind: 'setup', message: `instance ${msg.instanceId} is not loaded`, headSent: false });
    return;
  }
  const sink = new Sink(msg.job);
  const req: RequestInit = msg.req;
  currentJob = msg.job;
  try {
    inst.handler.handle(incomingRequest(req, req.bodyMore ? pullBody(msg.job) : undefined), new ResponseOutparam(sink));
  } catch (err) {
    // A trapped instance cannot be entered again (jco refuses it): discard it, start a fresh one.
    instances.delete(msg.instanceId);
    const log = inst.logs.take();
    try {
      create(inst.spec, inst.key);
    } catch {
      // Stays gone: its next requests fail with a setup error.
    }
    post({
      type: 'failed',
      job: msg.job,
      kind: err instanceof GuestExit ? 'exit' : 'trap',
      message: describe(err),
      headSent: sink.headSent,
      ...(log ? { log } : {}),
    });
    return;
  }
  const log = inst.logs.take();
  if (sink.failed !== undefined || !sink.head_) {
    post({
      type: 'failed',
      job: msg.job,
      kind: sink.failed !== undefined ? 'guest-error' : 'no-response',
      message: sink.failed ?? 'the guest returned from incoming-handler.handle without setting a response',
      headSent: sink.headSent,
      ...(log ? { log } : {}),
    });
    return;
  }
  sink.done(log);
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  return String(err);
}

port.on('message', (msg: ToWorker) => {
  handleMessage(msg);
  // Jobs posted ahead are already queued: take them in turn without a message event each.
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) handleMessage(next.message as ToWorker);
});

function handleMessage(msg: ToWorker): void {
  if (msg.type === 'batch') {
    for (const m of msg.msgs) handleMessage(m);
    return;
  }
  if (msg.type === 'request' && isCancelled(msg.job)) {
    post({ type: 'failed', job: msg.job, kind: 'setup', message: 'cancelled before it ran', headSent: false });
    return;
  }
  switch (msg.type) {
    case 'instantiate':
      return instantiate(msg);
    case 'request':
      return request(msg);
    case 'drop':
      instances.delete(msg.instanceId);
      post({ type: 'ok', job: msg.job });
      return;
    case 'forget':
      components.delete(msg.key);
      post({ type: 'ok', job: msg.job });
      return;
  }
}
