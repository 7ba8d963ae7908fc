import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { ManualClock, MemoryBus, SqliteStore, silentLogger, type Clock } from '@kedge/core';
import { reportRevisionsLoaded } from '@kedge/core/testing';
import { LiveConfig } from '../src/config/live.js';
import { createRestApp } from '../src/rest/app.js';
import { createApi, type Api } from '../src/index.js';

/** When the tests' ManualClocks start. */
export const T0 = Date.parse('2026-01-01T00:00:00Z');
/** The smallest bytes the blob store takes for a component (the wasm component header). */
export const COMPONENT = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 7, 7]);

export interface ReadResponse {
  status: number;
  /** Parsed JSON, or the text when the body is not JSON. */
  body: any;
  headers: Headers;
}

/** `text` parsed as JSON, or `otherwise` when it is not JSON. */
export function parseJson<T>(text: string, otherwise: T): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return otherwise;
  }
}

/** A response as the tests read it: status, headers and the body (JSON when it is JSON). */
export async function readResponse(res: Response): Promise<ReadResponse> {
  const text = await res.text();
  return { status: res.status, body: parseJson(text, text), headers: res.headers };
}

type Fetch = (req: Request) => Response | Promise<Response>;

/**
 * One request to an in-process handler (the API or its REST app): `body` sent as is when it is text or
 * bytes, as JSON otherwise; content-type application/json unless `headers` say another.
 */
export async function callFetch(
  fetch: Fetch,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ReadResponse> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
  if (body !== undefined)
    init.body =
      typeof body === 'string' || body instanceof Uint8Array ? (body as RequestInit['body']) : JSON.stringify(body);
  return readResponse(await fetch(new Request(`http://api${path}`, init)));
}

/** A temp directory, a ManualClock at `t0` and a SqliteStore in it: what every API test stands on. */
function openStore(prefix: string, t0: number) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const clock = new ManualClock(t0);
  const store = new SqliteStore(dir, { clock });
  const close = async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, clock, store, close };
}

/** Opens SqliteStores in fresh temp directories, each closed and removed after the test that opened it. */
export function storesPerTest(prefix: string): (clock?: Clock) => SqliteStore {
  const open: { store: SqliteStore; dir: string }[] = [];
  afterEach(async () => {
    for (const { store, dir } of open.splice(0)) {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return (clock) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const store = new SqliteStore(dir, clock ? { clock } : {});
    open.push({ store, dir });
    return store;
  };
}

/**
 * What `open` makes, made afresh before each test of the file and closed after it; the returned object
 * reads the current test's (outside a test it throws).
 */
function perTest<T extends object>(open: () => T | Promise<T>, close: (t: T) => Promise<void>): T {
  let t: T | undefined;
  beforeEach(async () => {
    t = await open();
  });
  afterEach(async () => {
    if (t) await close(t);
    t = undefined;
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!t) throw new Error(`${String(key)}: read outside a test`);
      return t[key as keyof T];
    },
  });
}

/** The REST app of one test (a fresh store, LiveConfig started). */
export interface RestAppTest {
  readonly dir: string;
  readonly clock: ManualClock;
  readonly store: SqliteStore;
  readonly config: LiveConfig;
  readonly app: ReturnType<typeof createRestApp>;
}

/** The REST app alone (no reconcilers, no bus) on a fresh store for each test of the file, closed after it. */
export function restAppPerTest(prefix: string): RestAppTest {
  return perTest(
    () => {
      const { dir, clock, store, close } = openStore(prefix, T0);
      const config = new LiveConfig(store);
      config.start();
      const app = createRestApp({ store, clock, logger: silentLogger, config });
      return { dir, clock, store, config, app, close };
    },
    async (t) => {
      t.config.stop();
      await t.close();
    },
  );
}

/** The whole API of one test (REST app, reconcilers, bus). */
export interface ApiTest {
  readonly dir: string;
  readonly clock: ManualClock;
  readonly store: SqliteStore;
  readonly bus: MemoryBus;
  readonly api: Api;
}

/**
 * createApi on a fresh store and MemoryBus for each test of the file, started before it and stopped
 * after. With `loaded`, every Revision counts as loaded by a runner (there is none), so it can be Ready.
 */
export function apiPerTest(prefix: string, opts: { t0?: number; loaded?: boolean } = {}): ApiTest {
  return perTest(
    async () => {
      const { dir, clock, store, close } = openStore(prefix, opts.t0 ?? T0);
      const bus = new MemoryBus({ clock });
      const api = createApi({ store, bus, clock, logger: silentLogger });
      if (opts.loaded) reportRevisionsLoaded(store, bus, clock);
      await api.start();
      return { dir, clock, store, bus, api, close };
    },
    async (t) => {
      await t.api.stop();
      await t.close();
    },
  );
}
