/**
 * A response body fed by worker messages. Every write after the client left (the stream was
 * cancelled) or after an error is dropped: enqueueing into a closed controller throws, and that
 * throw used to take the whole process down.
 */
export class ResponseStream {
  readonly readable: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private open = true;
  constructor() {
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (c) => void (this.controller = c),
        cancel: () => void (this.open = false),
      },
      { highWaterMark: 0, size: (chunk: Uint8Array) => chunk.byteLength },
    );
  }
  /** Bytes written that nobody read yet. */
  get unread(): number {
    return this.open ? -(this.controller.desiredSize ?? 0) : 0;
  }
  /** False when nobody reads any more. */
  push(chunks: Uint8Array[]): boolean {
    if (!this.open) return false;
    for (const c of chunks) if (c.length) this.controller.enqueue(c);
    return true;
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.controller.close();
  }
  error(err: Error): void {
    if (!this.open) return;
    this.open = false;
    this.controller.error(err);
  }
}
