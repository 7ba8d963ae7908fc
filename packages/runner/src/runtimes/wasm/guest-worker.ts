import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { setPriority } from 'node:os';
import type { GuestFailureKind } from './pool.js';
import { SLOTS, type CompiledComponent, type FromWorker, type SharedState, type ToWorker } from './protocol.js';

/** One piece of work for a worker: an instantiation, a request, a drop. */
export interface Job {
  id: number;
  msg: ToWorker;
  instanceId: string;
  component?: CompiledComponent;
  /** A call to a JSPI guest: it may suspend, so the worker runs it beside others. */
  async?: boolean;
  /** The response head came back, or the guest pulled body past its first bytes: it cannot run again elsewhere. */
  committed?: boolean;
  /** Longest time the guest may hold the CPU without yielding (ms). */
  cpuLimitMs?: number;
  /** Called once when the job leaves its worker for good (answered, failed, taken back, lost). */
  onEnd?: () => void;
  /** Ends the guest's outbound calls still out when the job ends. */
  outbound?: AbortController;
  /** The rest of a request body, read on the guest's demand. */
  pull?: () => Promise<Uint8Array | null>;
  /** Returns true when the job is finished. */
  onMessage(m: FromWorker): boolean;
  onLost(kind: GuestFailureKind, message: string): void;
}

/** Synchronous jobs posted ahead to a worker, so it never idles for a message round trip between two. */
export const PIPELINE = 16;

/** A guest worker thread as the main thread sees it: its jobs, shared cells and ports. */
export class GuestWorker {
  readonly loaded = new Set<string>();
  readonly instances = new Set<string>();
  /** Not yet posted. */
  queue: Job[] = [];
  /** Not yet posted, and posted only to an idle worker. */
  background: Job[] = [];
  /** Posted and not finished, in posting order. Synchronous ones run in that order. */
  readonly posted = new Map<number, Job>();
  /** Posted synchronous jobs (JSPI calls do not count: they wait beside each other). */
  syncPosted = 0;
  dead = false;
  /** The thread is gone (error/exit seen): nothing more is posted to it before it is replaced. */
  gone = false;
  /**
   * Messages for the worker, sent together once this turn of the event loop is over: waking a
   * sleeping thread costs tens of µs here (a cross-CPU interrupt in the VM), so requests that
   * arrived on many connections in one turn share one wake-up.
   */
  outbox: ToWorker[] = [];
  readonly shared: SharedState = {
    slots: new Int32Array(new SharedArrayBuffer(4 * SLOTS)),
    cpu: new Int32Array(new SharedArrayBuffer(16)),
  };
  readonly worker: Worker;
  /** Outbound replies for a blocked synchronous guest: posted on the port, then the cell is set so it wakes. */
  readonly outCell = new Int32Array(new SharedArrayBuffer(4));
  readonly outPort: MessagePort;
  /** Everything the worker says comes here (not through the Worker object: a port can be drained). */
  readonly replies: MessagePort;
  /** Last seen `cpu[1]` and since when: a guest holding the CPU that long has not yielded. */
  cpuSeen = -1;
  cpuSince = 0;
  /** Running at a lower OS priority because a guest held it (see WorkerPool.watch). */
  demoted = false;
  /**
   * Lowers (or gives back) the thread's OS priority. Raising it again may be refused to an
   * unprivileged process; the worker then stays low until it is replaced.
   */
  setNice(low: boolean): void {
    const tid = Atomics.load(this.shared.cpu, 3);
    if (!tid || low === this.demoted) return;
    try {
      setPriority(tid, low ? 19 : 0);
      this.demoted = low;
    } catch {
      // Not permitted, or the thread is gone.
    }
  }
  /** The reply port keeps the process alive only while jobs are out (an idle pool lets it exit). */
  private reffed = false;
  keepAlive(): void {
    const want = this.posted.size > 0 && !this.dead;
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
      workerData: { ...this.shared, outbound: { cell: this.outCell, port: port2 }, replies: replies.port2 },
      transferList: [port2, replies.port2],
    });
  }
  /** The job whose guest code holds the CPU now (undefined: none, or not one of ours). */
  onCpu(): Job | undefined {
    const id = Atomics.load(this.shared.cpu, 0);
    return id ? this.posted.get(id) : undefined;
  }
  /** ms the current guest has held the CPU without yielding (0 when none runs). */
  cpuHeldMs(now: number): number {
    const seen = Atomics.load(this.shared.cpu, 1);
    if (seen !== this.cpuSeen) {
      this.cpuSeen = seen;
      this.cpuSince = now;
    }
    return Atomics.load(this.shared.cpu, 0) ? now - this.cpuSince : 0;
  }
  /** Takes a posted job back if the worker has not started it; false when it has. */
  takeBack(job: Job): boolean {
    if (job.msg.type !== 'request' || !this.posted.has(job.id)) return false;
    if (Atomics.compareExchange(this.shared.slots, job.id % SLOTS, job.id, 0) !== job.id) return false;
    this.forgetPosted(job);
    return true;
  }
  forgetPosted(job: Job): void {
    if (this.posted.delete(job.id) && !job.async) this.syncPosted--;
  }
}
