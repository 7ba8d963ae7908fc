import { join, resolve } from 'node:path';
import {
  MemoryBus,
  SqliteStore,
  natsAuthFromEnv,
  openNatsBackends,
  systemClock,
  type Bus,
  type Clock,
  type Logger,
  type Store,
} from '@kedge/core';

export interface BackendOptions {
  /** NATS URL(s), comma-separated; absent = the embedded pair (in-process bus, SQLite). */
  nats?: string;
  /** NATS auth; each falls back to KEDGE_NATS_USER / KEDGE_NATS_PASSWORD / KEDGE_NATS_TOKEN. */
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  /** SQLite file (embedded) or the local blob cache (NATS) live here. */
  dataDir: string;
  /** Connection name shown by nats-server (`kedge-<role>-<id>`). */
  name?: string;
  logger: Logger;
  clock?: Clock;
}

export interface Backends {
  bus: Bus;
  store: Store;
  /** `nats` when the Bus and Store are NATS, `embedded` otherwise. */
  mode: 'nats' | 'embedded';
  close(): Promise<void>;
}

/**
 * The Bus and Store a process runs on: NATS core + JetStream KV/Object Store when a NATS URL is
 * given (distributed mode), else the in-process bus and SQLite in the data dir (embedded mode).
 * One NATS connection carries both; it reconnects forever.
 */
export async function connectBackends(opts: BackendOptions): Promise<Backends> {
  const clock = opts.clock ?? systemClock;
  const dataDir = resolve(opts.dataDir);
  if (!opts.nats) {
    const bus = new MemoryBus({ clock, logger: opts.logger.child({ role: 'bus' }) });
    const store = new SqliteStore(dataDir, { clock });
    return {
      bus,
      store,
      mode: 'embedded',
      close: async () => {
        await bus.close();
        await store.close();
      },
    };
  }
  const env = natsAuthFromEnv();
  const user = opts.natsUser ?? env.user;
  const pass = opts.natsPassword ?? env.pass;
  const token = opts.natsToken ?? env.token;
  const nats = await openNatsBackends(
    {
      servers: opts.nats,
      ...(user !== undefined ? { user } : {}),
      ...(pass !== undefined ? { pass } : {}),
      ...(token !== undefined ? { token } : {}),
      ...(opts.name ? { name: opts.name } : {}),
      logger: opts.logger.child({ role: 'nats' }),
    },
    { cacheDir: join(dataDir, 'blob-cache'), clock },
  );
  return { ...nats, mode: 'nats' };
}
