import { closed } from './errors.js';

/** wasi:io/error */
export class IoError {
  constructor(private readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the guest's thread: a sync guest that waits holds its worker (see docs/runner.md). */
export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

/** wasi:io/poll pollable. Everything the host offers is ready at once except timers. */
export class Pollable {
  constructor(readonly readyAtNs?: bigint) {}
  ready(): boolean {
    return this.readyAtNs === undefined || process.hrtime.bigint() >= this.readyAtNs;
  }
  block(): void {
    if (this.readyAtNs === undefined) return;
    const left = this.readyAtNs - process.hrtime.bigint();
    if (left > 0n) sleepMs(Math.ceil(Number(left) / 1e6));
  }
}

export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new Error('wasi:io/poll.poll called with an empty list');
  let ready = list.map((p, i) => (p.ready() ? i : -1)).filter((i) => i >= 0);
  if (ready.length === 0) {
    // Wait for the earliest timer, then report what is ready.
    let soonest = list[0]!;
    for (const p of list) if ((p.readyAtNs ?? 0n) < (soonest.readyAtNs ?? 0n)) soonest = p;
    soonest.block();
    ready = list.map((p, i) => (p.ready() ? i : -1)).filter((i) => i >= 0);
  }
  return new Uint32Array(ready);
}

/** wasi:io/streams input-stream over bytes the host already holds. */
export class InputStream {
  private offset = 0;
  /**
   * `more` fetches the next chunk (blocking the guest's thread), null at the end: a request body
   * streams into a synchronous guest as it reads.
   */
  constructor(
    private bytes: Uint8Array = new Uint8Array(0),
    private more?: () => Uint8Array | null,
  ) {}
  read(len: bigint): Uint8Array {
    while (this.offset >= this.bytes.length) {
      const next = this.more?.();
      if (!next) {
        this.more = undefined;
        throw closed();
      }
      this.bytes = next;
      this.offset = 0;
    }
    const n = Math.min(Number(len), this.bytes.length - this.offset);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return new Pollable();
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
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
}

export const ioImports = {
  'wasi:io/error': { Error: IoError },
  'wasi:io/poll': { Pollable, poll },
  'wasi:io/streams': { InputStream, OutputStream },
};
