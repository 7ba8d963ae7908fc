import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsBus, connectNatsBus, silentLogger, subjects, type ComponentHeartbeat } from '@kedge/core';
import { startNatsServer, type NatsServer } from '@kedge/core/testing';
import { connectBackends } from './backends.js';
import { COMPONENTS_PATH, type ComponentStatus } from './cluster-view.js';
import { startRole } from './start.js';

const TOKEN = 'roles-test-cluster-token-0123456789';
let server: NatsServer;
let dir: string;
beforeAll(async () => {
  server = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), 'kedge-roles-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Subscribes, and once the server has the subscription (flush), returns the promise of the first
 * heartbeat that satisfies pred: a beat published after this call returns cannot be missed.
 */
async function nextHeartbeat(
  bus: NatsBus,
  pred: (h: ComponentHeartbeat) => boolean,
): Promise<{ next: Promise<ComponentHeartbeat> }> {
  const next = new Promise<ComponentHeartbeat>((resolve) => {
    const sub = bus.subscribe<ComponentHeartbeat>(subjects.componentHeartbeat, (m) => {
      if (!pred(m.data)) return;
      sub.unsubscribe();
      resolve(m.data);
    });
  });
  await bus.flush();
  // Wrapped: an async function returning a promise would wait for it.
  return { next };
}

describe('connectBackends', () => {
  it('chooses NATS when given a URL and the embedded pair otherwise', async () => {
    const nats = await connectBackends({ nats: server.url, dataDir: join(dir, 'b1'), logger: silentLogger });
    const embedded = await connectBackends({ dataDir: join(dir, 'b2'), logger: silentLogger });
    try {
      expect(nats.mode).toBe('nats');
      expect(embedded.mode).toBe('embedded');
      const cm = await nats.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', namespace: 'y' },
        data: {},
      });
      expect((cm.metadata as { resourceVersion?: string }).resourceVersion).toMatch(/^\d+$/);
      await expect(nats.bus.request('nobody.here', 1, { timeoutMs: 1_000 })).rejects.toThrow(/no responders/);
    } finally {
      await nats.close();
      await embedded.close();
    }
  });

  it('authenticates with a token from the flag or KEDGE_NATS_TOKEN, and user/password', async () => {
    const withToken = await startNatsServer({ jetstream: true, token: 's3cret-token' });
    const withUser = await startNatsServer({ jetstream: true, user: 'kedge', pass: 'pw' });
    const saved = process.env.KEDGE_NATS_TOKEN;
    try {
      await expect(
        connectBackends({ nats: withToken.url, natsToken: 'wrong', dataDir: join(dir, 'a1'), logger: silentLogger }),
      ).rejects.toThrow(/^--nats: cannot connect to .*: .*Authorization/i);
      const byFlag = await connectBackends({
        nats: withToken.url,
        natsToken: 's3cret-token',
        dataDir: join(dir, 'a2'),
        logger: silentLogger,
      });
      await byFlag.close();
      process.env.KEDGE_NATS_TOKEN = 's3cret-token';
      const byEnv = await connectBackends({ nats: withToken.url, dataDir: join(dir, 'a3'), logger: silentLogger });
      await byEnv.store.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', namespace: 'y' },
        data: {},
      });
      await byEnv.close();
      delete process.env.KEDGE_NATS_TOKEN;
      const user = await connectBackends({
        nats: withUser.url,
        natsUser: 'kedge',
        natsPassword: 'pw',
        dataDir: join(dir, 'a4'),
        logger: silentLogger,
      });
      await user.close();
      // Credentials in the URL, as the nats CLI writes them; never repeated in an error.
      const inUrl = (cred: string, url: string) => url.replace('nats://', `nats://${cred}@`);
      const tokenUrl = await connectBackends({
        nats: inUrl('s3cret-token', withToken.url),
        dataDir: join(dir, 'a5'),
        logger: silentLogger,
      });
      await tokenUrl.close();
      const userUrl = await connectBackends({
        nats: inUrl('kedge:pw', withUser.url),
        dataDir: join(dir, 'a6'),
        logger: silentLogger,
      });
      await userUrl.close();
      const bad = connectBackends({
        nats: inUrl('kedge:wrong-pw', withUser.url),
        dataDir: join(dir, 'a7'),
        logger: silentLogger,
      });
      await expect(bad).rejects.toThrow(
        /^--nats: cannot connect to nats:\/\/\*\*\*@127\.0\.0\.1:\d+: .*Authorization/i,
      );
      await expect(bad).rejects.not.toThrow(/wrong-pw/);
    } finally {
      if (saved === undefined) delete process.env.KEDGE_NATS_TOKEN;
      else process.env.KEDGE_NATS_TOKEN = saved;
      await withToken.stop();
      await withUser.stop();
    }
  });

  it('names the flag when NATS cannot be reached', async () => {
    await expect(
      connectBackends({ nats: 'nats://127.0.0.1:1', dataDir: join(dir, 'b3'), logger: silentLogger }),
    ).rejects.toThrow(/^--nats: cannot connect/);
  });
});

describe('roles as processes (in-process here)', () => {
  it('requires --nats', async () => {
    await expect(startRole({ role: 'gateway', nats: '', logger: silentLogger, token: TOKEN })).rejects.toThrow(
      /^--nats: /,
    );
  });

  it('requires the cluster token for runners and gateways, naming the flag', async () => {
    for (const role of ['runner', 'gateway'] as const)
      await expect(
        startRole({ role, nats: server.url, logger: silentLogger, dataDir: join(dir, `no-token-${role}`) }),
      ).rejects.toThrow(/^--token-file: .*KEDGE_TOKEN/);
  });

  it('api and gateway heartbeat, and the api lists them as components', async () => {
    const watcher = await connectNatsBus({ servers: server.url });
    const { next: seenGateway } = await nextHeartbeat(watcher, (h) => h.role === 'gateway' && h.id === 'gw-1');
    const api = await startRole({
      role: 'api',
      nats: server.url,
      id: 'api-1',
      nodeId: 'n1',
      ports: { api: 0 },
      dataDir: join(dir, 'api'),
      logger: silentLogger,
    });
    const gw = await startRole({
      role: 'gateway',
      nats: server.url,
      id: 'gw-1',
      nodeId: 'n2',
      ports: { gateway: 0, admin: 0 },
      dataDir: join(dir, 'gw'),
      logger: silentLogger,
      token: TOKEN,
    });
    try {
      const first = await seenGateway;
      // Its request address too: runner processes send their guests' service-to-service calls there.
      expect(first).toMatchObject({
        role: 'gateway',
        id: 'gw-1',
        nodeId: 'n2',
        ready: true,
        restarts: 0,
        url: gw.urls.gateway,
      });
      // By the next beat the api process has certainly taken in the first one.
      await (await nextHeartbeat(watcher, (h) => h.id === 'gw-1' && h.time > first.time)).next;
      const res = await fetch(`${api.urls.api}${COMPONENTS_PATH}`);
      const items = ((await res.json()) as { items: ComponentStatus[] }).items;
      expect(items.map((c) => `${c.role} ${c.id} ${c.nodeId} ${c.status}`)).toEqual([
        'api api-1 n1 Running',
        'gateway gw-1 n2 Running',
      ]);
      // The REST API itself is still served behind the cluster paths.
      const services = await fetch(`${api.urls.api}/apis/serving.knative.dev/v1/namespaces/default/services`);
      expect(services.status).toBe(200);
      const metrics = await fetch(`${gw.urls.admin}/metrics`);
      expect(metrics.status).toBe(200);
    } finally {
      const { next: stopping } = await nextHeartbeat(watcher, (h) => h.id === 'gw-1' && !h.ready);
      await gw.stop();
      expect((await stopping).ready).toBe(false);
      await api.stop();
      await watcher.close();
    }
  });

  it('counts restarts of a role instance with the same data dir', async () => {
    const opts = {
      role: 'gateway' as const,
      nats: server.url,
      id: 'gw-r',
      ports: { gateway: 0, admin: 0 },
      dataDir: join(dir, 'gw-r'),
      logger: silentLogger,
      token: TOKEN,
    };
    await (await startRole(opts)).stop();
    const watcher = await connectNatsBus({ servers: server.url });
    const { next: beat } = await nextHeartbeat(watcher, (h) => h.id === 'gw-r');
    const again = await startRole(opts);
    try {
      expect((await beat).restarts).toBe(1);
    } finally {
      await again.stop();
      await watcher.close();
    }
  });
});
