import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import { createApi, guardFetch, type Api } from '@kedge/api';
import {
  KINDS,
  KIND_NAMES,
  MemoryBus,
  SqliteStore,
  silentLogger,
  systemClock,
  type Kind,
  type Store,
} from '@kedge/core';
import { parseJson } from '../../packages/api/test-support/harness.js';

/**
 * The real API (REST app + reconcilers) behind the access guard `kedge up` puts in front of it (bearer
 * token, browser defences), over a real socket on 127.0.0.1, on a store the test can read.
 */
export interface ApiOverHttp {
  base: string;
  /** The bearer token writes carry. */
  token: string;
  store: Store;
  api: Api;
  stop(): Promise<void>;
}

export async function startApiOverHttp(store: Store): Promise<ApiOverHttp> {
  const bus = new MemoryBus();
  const api = createApi({ store, bus, clock: systemClock, logger: silentLogger });
  await api.start();
  const token = randomBytes(24).toString('base64url');
  const server = createAdaptorServer({ fetch: guardFetch({ token }, (req) => api.fetch(req)) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    store,
    api,
    stop: async () => {
      await api.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

export function sqliteApi(dir: string): Promise<ApiOverHttp> {
  return startApiOverHttp(new SqliteStore(dir));
}

/** Collection path of a kind in a namespace (`/api/v1/…` for ConfigMaps, `/apis/{group}/{version}/…` otherwise). */
export function collectionPath(kind: Kind, namespace: string): string {
  const k = KINDS[kind];
  const prefix = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return `${prefix}/namespaces/${encodeURIComponent(namespace)}/${k.plural}`;
}

/**
 * Everything the store holds, one canonical JSON line per object, sorted: two snapshots are equal
 * exactly when nothing was added, lost or rewritten (resourceVersions included).
 */
export async function snapshot(store: Store, namespace?: string): Promise<string[]> {
  const lines: string[] = [];
  for (const kind of KIND_NAMES) {
    const { items } = await store.list(kind, namespace ? { namespace } : {});
    for (const o of items) lines.push(`${kind} ${o.metadata.namespace}/${o.metadata.name} ${JSON.stringify(o)}`);
  }
  return lines.sort();
}

export interface Answer {
  status: number;
  contentType: string;
  body: unknown;
  text: string;
}

/**
 * One raw request with the API's token: the fuzzer chooses method, content type and bytes, so no client
 * library in between (and the guard is passed, so what is fuzzed is admission itself).
 */
export async function send(
  h: Pick<ApiOverHttp, 'base' | 'token'>,
  method: string,
  path: string,
  body?: string | Uint8Array,
  contentType?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${h.token}`,
      ...(contentType ? { 'content-type': contentType } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: parseJson(text, undefined),
    text,
  };
}

/** Why an error answer is not a Kubernetes Status, or undefined when it is one. */
export function statusProblem(a: Answer): string | undefined {
  if (!a.contentType.includes('application/json'))
    return `content-type ${a.contentType || '(none)'}, body ${a.text.slice(0, 200)}`;
  const s = a.body as { kind?: string; status?: string; code?: number; message?: string } | undefined;
  if (s?.kind !== 'Status') return `not a Status: ${a.text.slice(0, 200)}`;
  if (s.status !== 'Failure' || s.code !== a.status) return `Status ${s.status} code ${s.code} on HTTP ${a.status}`;
  if (!s.message) return 'Status without a message';
  return undefined;
}
