import { concat, isCompleteResponse, trackBody } from '@kedge/core';
import type { ConnInfo } from '../gateway.js';
import type { ProxiedCall } from './call.js';
import { adjustResponseHeaders, downstreamResponseHeaders } from './headers.js';
import { nullBodyStatus } from './transport.js';

/** What of a response body could be read without waiting for I/O. */
interface Ready {
  chunks: Uint8Array[];
  done: boolean;
  /** A read that did not complete at once; its result comes before any further read. */
  pending?: ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>;
}

const BUFFER_LIMIT = 256 * 1024;
const NOT_YET = Symbol('not yet');
const macrotask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);

/**
 * The instance's response on its way to the client: hop-by-hop headers out, Server-Timing in, and
 * the call's slot held until the body has been sent.
 */
export async function respond(
  res: Response,
  timing: string | undefined,
  info: ConnInfo | undefined,
  call: ProxiedCall,
): Promise<Response> {
  // On the instance's own Response when it allows, so a response the server can send from memory is
  // never turned into a stream here.
  let out = res;
  if (!adjustResponseHeaders(res.headers, timing)) {
    const headers = new Headers(downstreamResponseHeaders(res.headers));
    if (timing) headers.append('server-timing', timing);
    out = new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }
  if (isCompleteResponse(res)) {
    // Body entirely in memory: the instance is done with this request.
    call.finish();
    return out;
  }
  if (info?.onDone) {
    // The server tells us when the response is fully sent: the slot is held until then.
    info.onDone(call.finish);
    return out;
  }
  const status = out.status;
  const body = nullBodyStatus(status) ? null : out.body;
  if (!body) {
    call.finish();
    return out;
  }
  // Without that signal, watch the body: one already complete in memory goes out as a buffer and
  // frees the slot at once; anything still coming is streamed and frees it at its end.
  const reader = body.getReader();
  const ready = await readReady(reader);
  if (ready.done) {
    call.finish();
    const whole = concat(ready.chunks);
    return new Response(whole.length ? whole : null, { status, headers: out.headers });
  }
  const tracked = trackBody(reader, {
    onEnd: call.finish,
    cancel: call.cancel,
    queued: ready.chunks,
    ...(ready.pending ? { pending: ready.pending } : {}),
  });
  return new Response(tracked, { status, headers: out.headers });
}

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
