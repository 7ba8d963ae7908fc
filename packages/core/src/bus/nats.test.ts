import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '../testing/nats-server.js';
import type { Bus, BusMessage } from './bus.js';
import { busContract } from './bus.contract.js';
import { connectNatsBus } from './nats.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
});
afterAll(async () => {
  await server?.stop();
});

busContract('NatsBus', async () => {
  const clients: Bus[] = [];
  return {
    client: async () => {
      const bus = await connectNatsBus({ servers: server.url, name: 'contract' });
      clients.push(bus);
      return bus;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
    },
  };
});

describe('NatsBus against a restarted nats-server', () => {
  it('says it is not connected while nats-server is away, and connected again after', async () => {
    const bus = await connectNatsBus({ servers: server.url });
    const next = async (type: string) => {
      for await (const s of bus.connection.status()) if (s.type === type) return;
    };
    try {
      expect(bus.connected()).toBe(true);
      const down = next('disconnect');
      await server.kill();
      await down;
      expect(bus.connected()).toBe(false);
      const up = next('reconnect');
      await server.start();
      await up;
      expect(bus.connected()).toBe(true);
    } finally {
      await bus.close();
    }
    expect(bus.connected()).toBe(false);
  });

  it('reconnects and keeps its subscriptions', async () => {
    const pub = await connectNatsBus({ servers: server.url });
    const sub = await connectNatsBus({ servers: server.url });
    try {
      const got: BusMessage<number>[] = [];
      let wake: (() => void) | undefined;
      sub.subscribe<number>('restart.test', (m) => {
        got.push(m);
        wake?.();
      });
      sub.subscribe('restart.ping', (m) => m.respond?.('pong'));
      await sub.flush();
      await server.restart();
      // The request succeeds once both clients are back and the subscriptions were re-sent.
      for (;;) {
        const ok = await pub.request('restart.ping', null, { timeoutMs: 500 }).then(
          () => true,
          () => false,
        );
        if (ok) break;
      }
      const arrived = new Promise<void>((r) => (wake = r));
      pub.publish('restart.test', 7);
      await arrived;
      expect(got.map((m) => m.data)).toEqual([7]);
    } finally {
      await pub.close();
      await sub.close();
    }
  });

  it('authenticates with user/password and with a token', async () => {
    const withUser = await startNatsServer({ jetstream: false, user: 'kedge', pass: 's3cret' });
    const withToken = await startNatsServer({ jetstream: false, token: 't0ken' });
    try {
      await expect(connectNatsBus({ servers: withUser.url })).rejects.toThrow(/auth/i);
      const u = await connectNatsBus({ servers: withUser.url, user: 'kedge', pass: 's3cret' });
      await u.flush();
      await u.close();
      await expect(connectNatsBus({ servers: withToken.url, token: 'wrong' })).rejects.toThrow(/auth/i);
      const t = await connectNatsBus({ servers: withToken.url, token: 't0ken' });
      await t.flush();
      await t.close();
    } finally {
      await withUser.stop();
      await withToken.stop();
    }
  });
});
