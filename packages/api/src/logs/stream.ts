import { subjects, type Bus, type Clock, type LogsReply, type LogsRequest } from '@kedge/core';

/** How long one runner may take to answer; a node that does not answer adds nothing. */
const ASK_TIMEOUT_MS = 2_000;
/** A follower asks again this often (ms). */
export const FOLLOW_POLL_MS = 500;

export interface LogsStreamOptions {
  bus: Bus;
  clock: Clock;
  /** Runner nodes alive now (asked in parallel: an instance's output stays on its node). */
  nodes: () => string[];
  request: LogsRequest;
  follow: boolean;
  timestamps: boolean;
  /** Prefix each line with `[pod] ` (several instances, as `kubectl logs --prefix`). */
  prefix: boolean;
  /** Ends the stream (the client went away or the API stops). */
  signal?: AbortSignal;
}

/** Asks every node for the output it kept, merged in time order. */
export async function askNodes(bus: Bus, nodes: string[], request: LogsRequest): Promise<LogsReply['instances']> {
  const replies = await Promise.all(
    nodes.map((n) =>
      bus.request<LogsReply>(subjects.runnerLogs(n), request, { timeoutMs: ASK_TIMEOUT_MS }).then(
        (r) => r?.instances ?? [],
        () => [],
      ),
    ),
  );
  return replies.flat();
}

/**
 * The text of `GET …/pods/{name}/log` (and `kedge logs`): the lines kept, then with `follow` the
 * new ones as they come (asked for every FOLLOW_POLL_MS with a per-instance cursor) until no
 * instance is running any more.
 */
export async function logsBody(opts: LogsStreamOptions): Promise<ReadableStream<Uint8Array> | undefined> {
  const first = await askNodes(opts.bus, opts.nodes(), opts.request);
  // A pod nobody holds output of is not found; a service may have no instance yet.
  if (!first.length && opts.request.instanceId !== undefined) return undefined;
  const enc = new TextEncoder();
  const cursor: Record<string, number> = {};
  const render = (instances: LogsReply['instances']) => {
    const lines = instances.flatMap((i) => i.lines.map((l) => ({ ...l, instanceId: i.instanceId })));
    lines.sort((a, b) => a.time - b.time || a.seq - b.seq);
    let text = '';
    for (const l of lines) {
      cursor[l.instanceId] = Math.max(cursor[l.instanceId] ?? 0, l.seq);
      text += `${opts.prefix ? `[pod/${l.instanceId}] ` : ''}${opts.timestamps ? `${new Date(l.time).toISOString()} ` : ''}${l.text}\n`;
    }
    return text;
  };
  for (const i of first) cursor[i.instanceId] ??= 0;
  const head = render(first);
  let running = first.some((i) => i.running) || opts.request.instanceId === undefined;
  let timer: unknown;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (head) controller.enqueue(enc.encode(head));
      if (!opts.follow || !running) return controller.close();
      const end = () => {
        if (timer) opts.clock.clearTimeout(timer as never);
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      opts.signal?.addEventListener('abort', end, { once: true });
      const poll = async () => {
        if (opts.signal?.aborted) return;
        const { tailLines: _t, since: _s, ...rest } = opts.request;
        const next = await askNodes(opts.bus, opts.nodes(), { ...rest, after: { ...cursor } });
        const text = render(next);
        if (opts.signal?.aborted) return;
        if (text) controller.enqueue(enc.encode(text));
        running = next.some((i) => i.running);
        // A service's follower keeps going (new instances come with traffic); one pod's ends with it.
        if (!running && opts.request.instanceId !== undefined) return end();
        timer = opts.clock.setTimeout(() => void poll(), FOLLOW_POLL_MS);
      };
      timer = opts.clock.setTimeout(() => void poll(), FOLLOW_POLL_MS);
    },
    cancel() {
      if (timer) opts.clock.clearTimeout(timer as never);
    },
  });
}
