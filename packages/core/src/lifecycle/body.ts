import type { Cancellation } from './cancellation.js';

export interface BodyHooks {
  /** Once, when the body ended, failed, was cancelled by its reader or cut by `cancel`. */
  onEnd(): void;
  /** Each chunk passed on (the idle deadline starts again). */
  onChunk?(): void;
  /** A deadline or a departed client cuts the body: the reader sees the reason as an error. */
  cancel?: Cancellation;
  /** Chunks read ahead already, passed on first. */
  queued?: Uint8Array[];
  /** A read begun ahead that did not complete yet; its result comes before any further read. */
  pending?: ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>;
}

/**
 * Passes a response body through, knowing when it ends: a slot (the gateway's lease, the queue's
 * in-flight count) is held until then. Pulls only when its own reader asks (no read-ahead), so a
 * client that stops reading stops the instance's body too.
 */
export function trackBody(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  hooks: BodyHooks,
): ReadableStream<Uint8Array> {
  let ended = false;
  let pending = hooks.pending;
  let stopListening: (() => void) | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    stopListening?.();
    hooks.onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        for (const c of hooks.queued ?? []) controller.enqueue(c);
        // A deadline also ends a response nobody reads any more: it must not hold its slot forever.
        stopListening = hooks.cancel?.onCancel((reason) => {
          if (ended) return;
          end();
          reader.cancel(reason).catch(() => undefined);
          try {
            controller.error(reason);
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
          if (ended) return;
          if (done) {
            end();
            controller.close();
          } else {
            hooks.onChunk?.();
            controller.enqueue(value);
          }
        } catch (err) {
          if (ended) return;
          end();
          controller.error(err);
        }
      },
      cancel(reason) {
        end();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** One buffer of a body read in pieces. */
export function concat(chunks: Uint8Array[]): Uint8Array {
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
