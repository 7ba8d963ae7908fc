import { closed } from './errors.js';

/** wasi:io/error */
export class IoError {
  constructor(private readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the guest's thread: only a synchronous guest (one that cannot wait, see compile.ts) gets here. */
export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * What a pollable waits for. `wait` either blocks the thread until ready (synchronous host) or
 * returns a Promise (asynchronous host: the guest's call is suspended through JSPI meanwhile).
 */
export interface Readiness {
  ready(): boolean;
  wait(): void | Promise<void>;
  /** A timer's instant (ns, monotonic): a synchronous poll sleeps until the soonest. */
  readonly readyAtNs?: bigint;
}

const ALWAYS: Readiness = { ready: () => true, wait: () => undefined };

/** wasi:io/poll pollable. */
export class Pollable {
  constructor(readonly on: Readiness = ALWAYS) {}
  ready(): boolean {
    return this.on.ready();
  }
  block(): void | Promise<void> {
    if (!this.on.ready()) return this.on.wait();
  }
}

/**
 * How the host hands a guest's waits to its worker: `suspend` receives every Promise a guest call
 * is about to wait on (the worker notes that the call left the CPU and when it resumes).
 */
export interface Waits {
  /** Asynchronous host (JSPI guest): timers resolve as Promises, never block the thread. */
  readonly async: boolean;
  suspend<T>(p: Promise<T>): Promise<T>;
}

export const BLOCKING: Waits = { async: false, suspend: (p) => p };

/** A monotonic-clock pollable. */
export function timer(readyAtNs: bigint, waits: Waits): Pollable {
  const ready = () => process.hrtime.bigint() >= readyAtNs;
  const left = () => Math.max(1, Math.ceil(Number(readyAtNs - process.hrtime.bigint()) / 1e6));
  let pending: Promise<void> | undefined;
  // setTimeout may fire a little before hrtime reaches the instant: re-arm until it has.
  const sleep = (): Promise<void> =>
    new Promise<void>((r) => setTimeout(r, left())).then(() => (ready() ? undefined : sleep()));
  return new Pollable({
    readyAtNs,
    ready,
    wait: () => {
      if (ready()) return;
      if (waits.async) return (pending ??= waits.suspend(sleep()));
      while (!ready()) sleepMs(left());
    },
  });
}

function readyIndices(list: Pollable[]): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) if (list[i]!.ready()) out.push(i);
  return new Uint32Array(out);
}

/** wasi:io/poll.poll: what is ready now, else waits for the first (blocking, or as a Promise). */
export function poll(list: Pollable[]): Uint32Array | Promise<Uint32Array> {
  if (list.length === 0) throw new Error('wasi:io/poll.poll called with an empty list');
  const now = readyIndices(list);
  if (now.length) return now;
  // Soonest timer first: a blocking wait on it ends the synchronous poll.
  const waiting = [...list].sort((a, b) => Number((a.on.readyAtNs ?? 0n) - (b.on.readyAtNs ?? 0n)));
  const promises: Promise<void>[] = [];
  for (const p of waiting) {
    const w = p.on.wait();
    if (!w) return readyIndices(list);
    promises.push(w);
  }
  return Promise.race(promises).then(() => readyIndices(list));
}

export type BodyChunk = Uint8Array | null;
/** The next chunk of a body (null at its end): at once (synchronous host) or as a Promise. */
export type BodyMore = () => BodyChunk | Promise<BodyChunk>;

const EMPTY = new Uint8Array(0);

/** wasi:io/streams input-stream over bytes the host holds, refilled from `more` as the guest reads. */
export class InputStream {
  private offset = 0;
  private pending: Promise<void> | undefined;
  private ended = false;
  constructor(
    private bytes: Uint8Array = EMPTY,
    private more?: BodyMore,
  ) {
    if (!more) this.ended = true;
  }
  private get buffered(): boolean {
    return this.offset < this.bytes.length;
  }
  private take(chunk: BodyChunk): void {
    if (!chunk) {
      this.more = undefined;
      this.ended = true;
      return;
    }
    this.bytes = chunk;
    this.offset = 0;
  }
  /** Asks for the next chunk: filled at once from a synchronous source, else a Promise. */
  private fill(): void | Promise<void> {
    if (this.pending) return this.pending;
    if (this.ended) return;
    let next: BodyChunk | Promise<BodyChunk>;
    try {
      next = this.more!();
    } catch {
      next = null;
    }
    if (!(next instanceof Promise)) return this.take(next);
    return (this.pending = next.then(
      (c) => {
        this.pending = undefined;
        this.take(c);
      },
      () => {
        this.pending = undefined;
        this.take(null);
      },
    ));
  }
  /** Non-blocking: what is here, or nothing while the next chunk is on its way (wasi would-block). */
  read(len: bigint): Uint8Array {
    while (!this.buffered) {
      if (this.ended) throw closed();
      if (this.fill()) return EMPTY;
    }
    const n = Math.min(Number(len), this.bytes.length - this.offset);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  blockingRead(len: bigint): Uint8Array | Promise<Uint8Array> {
    while (!this.buffered && !this.ended) {
      const p = this.fill();
      if (p) return p.then(() => this.blockingRead(len));
    }
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint | Promise<bigint> {
    const r = this.blockingRead(len);
    return r instanceof Promise ? r.then((b) => BigInt(b.length)) : BigInt(r.length);
  }
  subscribe(): Pollable {
    return new Pollable({ ready: () => this.buffered || this.ended, wait: () => this.fill() });
  }
}

/** Where an output-stream's bytes go: a response body, or the guest's stdout/stderr log. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
  /** False once the reader is gone: the guest sees `closed`. */
  readonly open: boolean;
}

const WRITE_BUDGET = 1n << 20n;

export class OutputStream {
  constructor(private readonly sink: ByteSink) {}
  checkWrite(): bigint {
    if (!this.sink.open) throw closed();
    return WRITE_BUDGET;
  }
  write(contents: Uint8Array): void {
    if (!this.sink.open) throw closed();
    if (contents.length) this.sink.write(contents);
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
  }
  flush(): void {
    if (!this.sink.open) throw closed();
  }
  blockingFlush(): void {
    this.flush();
  }
  subscribe(): Pollable {
    return new Pollable();
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): bigint {
    const bytes = src.read(len);
    this.write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint | Promise<bigint> {
    const r = src.blockingRead(len);
    const write = (bytes: Uint8Array) => {
      this.write(bytes);
      return BigInt(bytes.length);
    };
    return r instanceof Promise ? r.then(write) : write(r);
  }
}

export const ioImports = {
  'wasi:io/error': { Error: IoError },
  'wasi:io/poll': { Pollable, poll },
  'wasi:io/streams': { InputStream, OutputStream },
};
