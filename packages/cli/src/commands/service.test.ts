import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApi, type Api } from '@kedge/api';
import { MemoryBus, SqliteStore, silentLogger, systemClock, type Service } from '@kedge/core';
import { reportRevisionsLoaded } from '@kedge/core/testing';
import { serveFetch, type Served } from '../serve.js';
import { register as registerRevision } from './revision.js';
import { register as registerRoute } from './route.js';
import { register as registerService } from './service.js';

// One real port: the CLI talks HTTP (including the watch stream it waits on) to a real API.
let dir: string;
let store: SqliteStore;
let api: Api;
let served: Served;
let cwd: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kedge-kn-'));
  store = new SqliteStore(join(dir, 'data'));
  const bus = new MemoryBus();
  api = createApi({ store, bus, clock: systemClock, logger: silentLogger });
  reportRevisionsLoaded(store, bus, systemClock);
  await api.start();
  served = await serveFetch('api', '--api-port', (req) => api.fetch(req), 0);
  writeFileSync(join(dir, 'hello.wasm'), new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 1]));
  writeFileSync(join(dir, 'core.wasm'), new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  cwd = process.cwd();
  process.chdir(dir);
});

afterAll(async () => {
  process.chdir(cwd);
  await api.stop();
  await served.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function kedge(...args: string[]): Promise<string> {
  const program = new Command('kedge').option('--api <url>').exitOverride();
  registerService(program);
  registerRevision(program);
  registerRoute(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['--api', served.url, ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('kedge service|revision|route (kn style) against a real API', () => {
  it('creates, updates, splits and tags traffic, describes and deletes', async () => {
    const created = await kedge(
      'service',
      'create',
      'hello',
      '--image',
      './hello.wasm',
      '--env',
      'TARGET=Kedge',
      '--scale-max',
      '3',
      '-n',
      'example',
    );
    expect(created).toBe(
      "Service 'hello' created to latest revision 'hello-00001' is available at URL:\nhttp://hello.example.example.com\n",
    );
    const svc1 = (await store.get<Service>('Service', 'example', 'hello'))!;
    const c = svc1.spec.template.spec.containers[0]!;
    expect(c.image).toMatch(/^hello\.wasm@sha256:[0-9a-f]{64}$/);
    expect(c.env).toEqual([{ name: 'TARGET', value: 'Kedge' }]);
    expect(svc1.spec.template.metadata?.annotations).toEqual({ 'autoscaling.knative.dev/max-scale': '3' });

    const updated = await kedge(
      'service',
      'update',
      'hello',
      '--env',
      'TARGET=Two',
      '--revision-name',
      'v2',
      '-n',
      'example',
    );
    expect(updated).toContain("Service 'hello' updated to latest revision 'hello-v2'");

    const split = await kedge(
      'service',
      'update',
      'hello',
      '--traffic',
      'hello-00001=50,hello-v2=50',
      '--tag',
      'hello-v2=candidate',
      '-n',
      'example',
    );
    expect(split).toContain('#candidate  hello-v2  http://candidate-hello.example.example.com');
    const svc = (await store.get<Service>('Service', 'example', 'hello'))!;
    expect(svc.status?.traffic).toEqual([
      { revisionName: 'hello-00001', latestRevision: false, percent: 50 },
      {
        tag: 'candidate',
        revisionName: 'hello-v2',
        latestRevision: false,
        percent: 50,
        url: 'http://candidate-hello.example.example.com',
      },
    ]);
    expect(await store.list('Revision', { namespace: 'example' }).then((r) => r.items.length)).toBe(2);

    const described = await kedge('service', 'describe', 'hello', '-n', 'example');
    expect(described).toMatch(/^Name:\s+hello\nNamespace:\s+example\n/);
    expect(described).toMatch(/URL:\s+http:\/\/hello\.example\.example\.com\n/);
    expect(described).toContain('   50%  hello-00001');
    expect(described).toContain(
      '   50%  hello-v2 #candidate\n        URL:  http://candidate-hello.example.example.com',
    );
    expect(described).toMatch(/\+\+ Ready/);

    const revs = await kedge('revision', 'list', '-s', 'hello', '-n', 'example');
    const lines = revs.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+SERVICE\s+TRAFFIC\s+TAGS\s+GENERATION/);
    expect(lines[1]).toMatch(/^hello-v2\s+hello\s+50%\s+candidate\s+2\s/);
    expect(lines[2]).toMatch(/^hello-00001\s+hello\s+50%\s+1\s/);

    const rev = await kedge('revision', 'describe', 'hello-v2', '-n', 'example');
    expect(rev).toContain('Env:');
    expect(rev).toContain('TARGET=Two');
    expect(rev).toContain('Traffic:');

    const route = await kedge('route', 'describe', 'hello', '-n', 'example');
    expect(route).toContain('Traffic Targets:');
    expect(route).toContain('URL:  http://candidate-hello.example.example.com');
    expect(await kedge('route', 'list', '-n', 'example')).toMatch(
      /hello\s+http:\/\/hello\.example\.example\.com\s+True/,
    );
    expect(await kedge('service', 'list', '-n', 'example')).toMatch(
      /hello\s+http:\/\/hello\.example\.example\.com\s+hello-v2\s+\S+\s+3 OK \/ 3\s+True/,
    );

    expect(await kedge('service', 'delete', 'hello', '-n', 'example')).toBe(
      "Service 'hello' successfully deleted in namespace 'example'.\n",
    );
    expect(await store.get('Revision', 'example', 'hello-v2')).toBeUndefined();
  });

  it('explains bad input before anything is stored', async () => {
    await expect(kedge('service', 'create', 'x', '--image', './core.wasm')).rejects.toThrow(
      /not a WebAssembly component/,
    );
    await expect(kedge('service', 'create', 'x', '--image', './missing.wasm')).rejects.toThrow(
      /cannot read .*missing\.wasm/,
    );
    await expect(kedge('service', 'create', 'x')).rejects.toThrow(/--image: required/);
    await expect(kedge('service', 'update', 'nope', '--env', 'A=1')).rejects.toThrow(
      /services.serving.knative.dev "nope" not found/,
    );
    expect(await store.get('Service', 'default', 'x')).toBeUndefined();
  });

  it('reports a revision that cannot run instead of hanging', async () => {
    // A component whose blob is not in the store (container images are judged by runners; none here).
    const missing = `hello.wasm@sha256:${'f'.repeat(64)}`;
    await expect(kedge('service', 'create', 'img', '--image', missing, '--wait-timeout', '10')).rejects.toThrow(
      /service 'img' is not ready: RevisionFailed: .*Unable to fetch image "hello\.wasm@sha256:f+": no blob/,
    );
  });
});
