import type { AnyResource, Clock, Kind, Store } from '@kedge/core';

export interface WatchParams {
  kind: Kind;
  namespace?: string;
  labelSelector?: string;
  match: (o: AnyResource) => boolean;
  /** Replay only objects written after this version; empty or "0" replays everything as ADDED. */
  resourceVersion?: string;
  timeoutSeconds?: number;
  /** Turns each object into what the client asked for (raw object or a Table row). */
  render: (o: AnyResource) => unknown;
  /** Open streams register their stop here so the API can end them on shutdown. */
  open?: Set<() => void>;
}

/**
 * Kubernetes watch: newline-delimited `{type, object}` events over one long response. The Store has no
 * event history, so a watch from a resourceVersion replays the objects modified since then as
 * MODIFIED (deletions in between are not replayed); then live events follow.
 */
export function watchResponse(store: Store, clock: Clock, p: WatchParams): Response {
  const enc = new TextEncoder();
  const since = p.resourceVersion && p.resourceVersion !== '0' ? Number(p.resourceVersion) : undefined;
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let live = false;
      const send = (type: string, o: AnyResource) => {
        if (closed) return;
        try {
          controller.enqueue(enc.encode(`${JSON.stringify({ type, object: p.render(o) })}\n`));
        } catch {
          stop();
        }
      };
      const unwatch = store.watch(
        {
          kind: p.kind,
          ...(p.namespace ? { namespace: p.namespace } : {}),
          ...(p.labelSelector ? { labelSelector: p.labelSelector } : {}),
          // The initial listing may arrive asynchronously (NATS KV): replay filtering lasts until synced.
          onSynced: () => {
            live = true;
          },
        },
        (ev) => {
          if (!p.match(ev.object)) return;
          if (!live && since !== undefined) {
            if (Number(ev.object.metadata.resourceVersion ?? 0) <= since) return;
            send('MODIFIED', ev.object);
            return;
          }
          send(ev.type, ev.object);
        },
      );
      const timer = p.timeoutSeconds && p.timeoutSeconds > 0 ? clock.setTimeout(() => stop(), p.timeoutSeconds * 1000) : undefined;
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
