import { NoRespondersError, RequestError, TimeoutError, type Msg, type NatsConnection } from '@nats-io/transport-node';
import {
  BusError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type Bus,
  type BusMessage,
  type RequestOptions,
  type SubscribeOptions,
  type Subscription,
} from './bus.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { connectNats, type NatsConnectOptions } from '../nats/connect.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function encode(data: unknown): Uint8Array {
  // An empty payload stands for undefined (JSON has no encoding for it).
  return data === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(data));
}

function decode(bytes: Uint8Array): unknown {
  return bytes.length === 0 ? undefined : JSON.parse(decoder.decode(bytes));
}

/**
 * The Bus on NATS core: same subjects, wildcards, queue groups and request/reply as MemoryBus, with
 * JSON payloads. The connection reconnects forever; subscriptions are re-established by the client,
 * and publishes made while disconnected are buffered by it.
 */
export class NatsBus implements Bus {
  private closed = false;
  private linkUp = true;
  private readonly log: Logger;
  private readonly ownsConnection: boolean;

  constructor(
    readonly connection: NatsConnection,
    opts: { logger?: Logger; ownsConnection?: boolean } = {},
  ) {
    this.log = opts.logger ?? silentLogger;
    this.ownsConnection = opts.ownsConnection ?? true;
    void (async () => {
      for await (const s of connection.status()) {
        if (s.type === 'disconnect') this.linkUp = false;
        else if (s.type === 'reconnect') this.linkUp = true;
      }
    })().catch(() => undefined);
  }

  connected(): boolean {
    return this.linkUp && !this.closed && !this.connection.isClosed();
  }

  publish(subject: string, data: unknown): void {
    this.assertOpen();
    this.connection.publish(subject, encode(data));
  }

  subscribe<T = unknown>(
    subject: string,
    handler: (msg: BusMessage<T>) => void | Promise<void>,
    opts: SubscribeOptions = {},
  ): Subscription {
    this.assertOpen();
    const sub = this.connection.subscribe(subject, {
      ...(opts.queue ? { queue: opts.queue } : {}),
      callback: (err, m) => {
        if (err) {
          this.log.error({ err, subject }, 'bus subscription failed');
          return;
        }
        this.dispatch(m, handler as (msg: BusMessage) => void | Promise<void>);
      },
    });
    return {
      unsubscribe: () => {
        if (!sub.isClosed()) sub.unsubscribe();
      },
    };
  }

  private dispatch(m: Msg, handler: (msg: BusMessage) => void | Promise<void>): void {
    let data: unknown;
    try {
      data = decode(m.data);
    } catch (err) {
      this.log.warn({ err, subject: m.subject }, 'bus dropped a message that is not JSON');
      return;
    }
    const msg: BusMessage = m.reply
      ? { subject: m.subject, data, respond: (reply: unknown) => void m.respond(encode(reply)) }
      : { subject: m.subject, data };
    try {
      const r = handler(msg);
      if (r && typeof (r as Promise<void>).catch === 'function')
        (r as Promise<void>).catch((err) => this.log.error({ err, subject: m.subject }, 'bus handler failed'));
    } catch (err) {
      this.log.error({ err, subject: m.subject }, 'bus handler failed');
    }
  }

  async request<T = unknown>(subject: string, data: unknown, opts: RequestOptions = {}): Promise<T> {
    this.assertOpen();
    try {
      const reply = await this.connection.request(subject, encode(data), {
        timeout: opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      });
      return decode(reply.data) as T;
    } catch (err) {
      throw toBusError(err, subject);
    }
  }

  async flush(): Promise<void> {
    this.assertOpen();
    await this.connection.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.ownsConnection || this.connection.isClosed()) return;
    // close() flushes what is buffered when connected; drain() could wait forever on a dead server.
    await this.connection.close();
  }

  private assertOpen(): void {
    if (this.closed || this.connection.isClosed()) throw new BusError('Closed', 'bus is closed');
  }
}

function toBusError(err: unknown, subject: string): unknown {
  if (err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders()))
    return new BusError('NoResponders', `no responders on ${subject}`);
  if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError))
    return new BusError('Timeout', `request on ${subject} timed out`);
  if (err instanceof Error && /closed/i.test(err.name + err.message)) return new BusError('Closed', 'bus is closed');
  return err;
}

/** Connects to NATS and returns a Bus that owns the connection. */
export async function connectNatsBus(opts: NatsConnectOptions): Promise<NatsBus> {
  const nc = await connectNats(opts);
  return new NatsBus(nc, { ...(opts.logger ? { logger: opts.logger } : {}), ownsConnection: true });
}
