import type { Clock } from '../clock.js';
import { NatsBus } from '../bus/nats.js';
import { NatsStore } from '../store/nats.js';
import { connectNats, type NatsConnectOptions, redactNatsUrls } from './connect.js';

export interface NatsBackends {
  bus: NatsBus;
  store: NatsStore;
  /** Closes the bus, the store and then their one connection. */
  close(): Promise<void>;
}

/**
 * A distributed role's bus and store (JetStream KV + Object Store) over one NATS connection that
 * reconnects forever. A failed connect names the `--nats` flag and the servers, without their
 * credentials; a store that cannot open closes the connection it was given.
 */
export async function openNatsBackends(
  opts: NatsConnectOptions & { servers: string; logger: NonNullable<NatsConnectOptions['logger']> },
  store: { cacheDir: string; clock: Clock },
): Promise<NatsBackends> {
  let nc: Awaited<ReturnType<typeof connectNats>>;
  try {
    nc = await connectNats(opts);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`--nats: cannot connect to ${redactNatsUrls(opts.servers)}: ${why}`);
  }
  try {
    const kv = await NatsStore.open(nc, { ...store, logger: opts.logger, ownsConnection: false });
    const bus = new NatsBus(nc, { logger: opts.logger, ownsConnection: false });
    return {
      bus,
      store: kv,
      close: async () => {
        await bus.close();
        await kv.close();
        if (!nc.isClosed()) await nc.close();
      },
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
