/**
 * The message bus between roles. Shaped after NATS core (subjects with `*` and `>` wildcards,
 * queue groups, request/reply) so the in-process and the NATS implementation are interchangeable.
 * Payloads are JSON-serialisable values; receivers must treat them as read-only.
 */
export interface BusMessage<T = unknown> {
  subject: string;
  data: T;
  /** Present when the sender used request(): answers it. */
  respond?: (data: unknown) => void;
}

export interface Subscription {
  unsubscribe(): void;
}

export interface SubscribeOptions {
  /** Subscribers sharing a queue name on a subject get each message once between them. */
  queue?: string;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface Bus {
  publish(subject: string, data: unknown): void;
  subscribe<T = unknown>(
    subject: string,
    handler: (msg: BusMessage<T>) => void | Promise<void>,
    opts?: SubscribeOptions,
  ): Subscription;
  /** Sends and awaits one reply; rejects with BusError ('NoResponders' | 'Timeout'). */
  request<T = unknown>(subject: string, data: unknown, opts?: RequestOptions): Promise<T>;
  /** Resolves once everything published so far has reached the transport. */
  flush(): Promise<void>;
  /**
   * Whether messages flow right now. While false, peers' silence says nothing about them: liveness
   * checks built on heartbeats (node and peer timeouts) must not blame anyone for it.
   */
  connected(): boolean;
  close(): Promise<void>;
}

export class BusError extends Error {
  constructor(
    readonly code: 'NoResponders' | 'Timeout' | 'Closed',
    message: string,
  ) {
    super(message);
    this.name = 'BusError';
  }
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** NATS subject matching: `*` matches one token, `>` one or more trailing tokens. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const tok = p[i];
    if (tok === '>') return s.length > i;
    if (i >= s.length) return false;
    if (tok !== '*' && tok !== s[i]) return false;
  }
  return p.length === s.length;
}
