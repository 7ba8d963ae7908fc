import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryBus,
  silentLogger,
  SqliteStore,
  systemClock,
  type Clock,
  type Route,
  type TrafficTarget,
} from '@kedge/core';
import { Hono } from 'hono';
import { createGateway, type Gateway, type GatewayDeps } from '../gateway.js';
import { listen, type Listening } from '../serve.js';
import { FakeRunner, type FakeRunnerOptions } from './fake-runner.js';

export function routeObject(namespace: string, name: string, traffic: TrafficTarget[], domain = 'example.com'): Route {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Route',
    metadata: { name, namespace },
    spec: { traffic },
    status: {
      url: `http://${name}.${namespace}.${domain}`,
      address: { url: `http://${name}.${namespace}.svc.cluster.local` },
      traffic,
    },
  };
}

export interface Harness {
  dir: string;
  store: SqliteStore;
  bus: MemoryBus;
  clock: Clock;
  gateway: Gateway;
  runner: FakeRunner;
  /** Creates or replaces a route (status included, as the API's route reconciler would write it). */
  putRoute(route: Route): Promise<void>;
  request(host: string, path?: string, init?: RequestInit): Promise<Response>;
  /** The same request from inside the cluster (gateway.fetchInternal). */
  internal(host: string, path?: string, init?: RequestInit): Promise<Response>;
  /** `app` on a real HTTP server on 127.0.0.1, closed first by close(). */
  serve(app: Hono): Promise<Listening>;
  /** The fake runner's entry on a real HTTP server, announced as the runner's URL: reached remotely. */
  serveRunner(): Promise<Listening>;
  /** A server started another way, closed first by close(). */
  track(server: Listening): Listening;
  close(): Promise<void>;
}

/** `runner`'s entry on a real HTTP server, announced as its URL: gateways reach it over HTTP. */
export async function serveFakeRunner(runner: FakeRunner): Promise<Listening> {
  const entry = new Hono();
  entry.all('*', (c) => runner.fetch(c.req.raw));
  const server = await listen(entry);
  runner.url = server.url;
  return server;
}

/** A gateway on a real SQLite store and the in-process bus, with one fake runner in-process. */
export async function harness(
  opts: {
    clock?: Clock;
    runner?: Omit<FakeRunnerOptions, 'bus' | 'nodeId'>;
    local?: boolean;
    gateway?: Partial<GatewayDeps>;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-gw-'));
  const clock = opts.clock ?? systemClock;
  const store = new SqliteStore(dir, { clock });
  const bus = new MemoryBus({ clock });
  const runner = new FakeRunner({ bus, nodeId: 'node-a', ...opts.runner });
  runner.start();
  const gateway = createGateway({
    store,
    bus,
    clock,
    logger: silentLogger,
    id: 'gw-test',
    ...(opts.local === false ? {} : { localDispatchers: [runner] }),
    ...opts.gateway,
  });
  await gateway.start();
  const servers: Listening[] = [];
  const track = (server: Listening) => {
    servers.push(server);
    return server;
  };
  const serve = async (app: Hono) => track(await listen(app));
  return {
    dir,
    store,
    bus,
    clock,
    gateway,
    runner,
    async putRoute(route) {
      const cur = await store.get('Route', route.metadata.namespace, route.metadata.name);
      if (cur)
        await store.update({
          ...route,
          metadata: { ...route.metadata, resourceVersion: cur.metadata.resourceVersion },
        });
      else await store.create(route);
    },
    request(host, path = '/', init = {}) {
      const headers = new Headers(init.headers);
      headers.set('host', host);
      return gateway.fetch(new Request(`http://${host}${path}`, { ...init, headers }), { remoteAddress: '127.0.0.1' });
    },
    internal(host, path = '/', init = {}) {
      const headers = new Headers(init.headers);
      headers.set('host', host);
      return gateway.fetchInternal(new Request(`http://${host}${path}`, { ...init, headers }), {
        remoteAddress: '127.0.0.1',
      });
    },
    serve,
    track,
    serveRunner: async () => track(await serveFakeRunner(runner)),
    async close() {
      for (const s of servers.splice(0)) await s.close();
      await gateway.stop();
      runner.stop();
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
