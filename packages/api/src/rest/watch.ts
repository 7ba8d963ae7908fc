import type { AnyResource, Clock, Kind, Store } from '@kedge/core';
import { ApiError } from './status.js';

export interface WatchParams {
  kind: Kind;
  namespace?: string;
  labelSelector?: string;
  match: (o: AnyResource) => boolean;
  /** Resume after this version (what changed since, deletions included); empty or "0" lists everything as ADDED. */
  resourceVersion?: string;
  timeoutSeconds?: number;
  /** Turns each object into what the client asked for (raw object or a Table row). */
  render: (o: AnyResource) => unknown;
  /** Open streams register their stop here so the API can end them on shutdown. */
  open?: Set<() => void>;
}

/**
 * Kubernetes watch: newline-delimited `{type, object}` events over one long response. From a
 * resourceVersion the Store replays what changed since (objects written as MODIFIED, deletions as
 * DELETED); when it no longer knows (its deletion history was compacted past that version) the stream
 * carries one ERROR event with a 410 Expired Status and ends, and the client lists again, as with
 * Kubernetes.
 */
export function watchResponse(store: Store, clock: Clock, p: WatchParams): Response {
  const enc = new TextEncoder();
  const since = p.resourceVersion && p.resourceVersion !== '0' ? p.resourceVersion : undefined;
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const write = (event: { type: string; object: unknown }) => {
        if (closed) return;
        try {
          controller.enqueue(enc.encode(`${JSON.stringify(event)}\n`));
        } catch {
          stop();
        }
      };
      const unwatch = store.watch(
        {
          kind: p.kind,
          ...(p.namespace ? { namespace: p.namespace } : {}),
          ...(p.labelSelector ? { labelSelector: p.labelSelector } : {}),
          ...(since
            ? {
                since,
                onExpired: (message: string) =>
                  queueMicrotask(() => {
                    write({ type: 'ERROR', object: new ApiError('Expired', message).toStatus() });
                    stop();
                  }),
              }
            : {}),
        },
        (ev) => {
          if (p.match(ev.object)) write({ type: ev.type, object: p.render(ev.object) });
        },
      );
      const timer =
        p.timeoutSeconds && p.timeoutSeconds > 0 ? clock.setTimeout(() => stop(), p.timeoutSeconds * 1000) : undefined;
      stop = () => {
        if (closed) return;
        closed = true;
        p.open?.delete(stop);
        unwatch();
        if (timer) clock.clearTimeout(timer);
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      };
      p.open?.add(stop);
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
  });
}
