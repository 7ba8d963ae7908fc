import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAdaptorServer } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteStore, silentLogger, systemClock } from '@kedge/core';
import { LiveConfig } from '../config/live.js';
import { createRestApp } from './app.js';

// The API over a real socket: chunked watch streams, and a client that goes away.
let dir: string;
let store: SqliteStore;
let server: ReturnType<typeof createAdaptorServer>;
let base: string;
const watches = new Set<() => void>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kedge-http-'));
  store = new SqliteStore(dir);
  const config = new LiveConfig(store);
  config.start();
  const app = createRestApp({ store, clock: systemClock, logger: silentLogger, config, watches });
  server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const stop of [...watches]) stop();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Bounded wait for a condition the server reaches on its own (socket close is not an awaitable event here). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
  expect(cond()).toBe(true);
}

it('streams watch events over HTTP and forgets a watcher when the client disconnects', async () => {
  const ac = new AbortController();
  const res = await fetch(`${base}/apis/serving.knative.dev/v1/namespaces/example/services?watch=true`, {
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  await until(() => watches.size === 1);
  const created = await fetch(`${base}/apis/serving.knative.dev/v1/namespaces/example/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: { name: 'w' },
      spec: { template: { spec: { containers: [{ image: `w.wasm@sha256:${'d'.repeat(64)}` }] } } },
    }),
  });
  expect(created.status).toBe(201);
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  const ev = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!);
  expect(ev).toMatchObject({ type: 'ADDED', object: { kind: 'Service', metadata: { name: 'w' } } });
  ac.abort();
  await until(() => watches.size === 0);
});

it('answers an oversized body with 413 Status without reading it all', async () => {
  const res = await fetch(`${base}/apis/serving.knative.dev/v1/namespaces/example/services`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: 'x'.repeat(2 * 1024 * 1024),
  });
  expect(res.status).toBe(413);
  expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
});
