import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { MemoryBus } from '@kedge/core';
import { freePort } from '@kedge/core/testing';
import { listen, type Listening } from '../serve.js';
import { FakeRunner } from '../testing/fake-runner.js';
import { routeObject } from '../testing/harness.js';
import type { GatewayFeed } from './feed.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
// The binary itself, as the npm package resolves it: without the package's install script,
// node_modules/.bin/deno is a Node launcher that runs Deno as its child, and a signal to the launcher
// would leave Deno running on its own.
const deno = (createRequire(import.meta.url)(join(root, 'node_modules/deno/install_api.cjs')) as { runInstall(): string }).runInstall();
const HOST = 'hello.default.example.com';

function get(port: number, host: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/hi', headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway on Deno', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let runnerHttp: Listening;
  let runner: FakeRunner;
  let port: number;
  let feedFile: string;
  let feed: GatewayFeed;

  beforeAll(async () => {
    // Deno runs the built module; build core and gateway so it runs this very source.
    for (const p of ['packages/core', 'packages/gateway']) {
      try {
        execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', p], { cwd: root, stdio: 'pipe' });
      } catch {
        // type errors elsewhere in the tree still emit; a missing dist shows up below
      }
    }
    dir = mkdtempSync(join(tmpdir(), 'kedge-deno-'));
    runner = new FakeRunner({ bus: new MemoryBus(), nodeId: 'node-r' });
    const entry = new Hono();
    entry.all('*', (c) => runner.fetch(c.req.raw));
    runnerHttp = await listen(entry);
    runner.url = runnerHttp.url;
    feed = { routes: [routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }])], endpoints: [] };
    feedFile = join(dir, 'feed.json');
    writeFileSync(feedFile, JSON.stringify(feed));
    port = await freePort();
    child = spawn(
      deno,
      ['run', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', '--allow-sys', 'packages/gateway/dist/deno/main.js', '--feed', feedFile, '--port', String(port), '--refresh-ms', '100'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KEDGE_LOG_LEVEL: 'warn' } },
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"listening"')) resolve();
      });
      child!.once('exit', (code) => reject(new Error(`deno exited (${code}) before listening: ${err}`)));
    });
  }, 60_000);

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      // A gateway that does not stop on SIGTERM is killed: no Deno process may outlive the test run.
      const kill = setTimeout(() => child?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    }
    await runnerHttp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds a request while the revision has no instance and forwards it to the runner once one appears', async () => {
    const pending = get(port, HOST, { 'x-forwarded-for': '10.1.1.1' });
    const inst = runner.startInstance('default', 'hello-00001', 'deno-inst-1');
    feed.endpoints = runner.endpoints('default', 'hello-00001');
    writeFileSync(feedFile, JSON.stringify(feed));
    const res = await pending;
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as { instanceId: string; fromActivator: boolean; headers: Record<string, string> };
    expect(seen.instanceId).toBe(inst.instanceId);
    expect(seen.fromActivator).toBe(true);
    expect(seen.headers['x-forwarded-for']).toBe('10.1.1.1, 127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe(HOST);
    expect(seen.headers['kedge-revision']).toBe('default/hello-00001');
  });

  it('answers unknown hosts with 404 JSON', async () => {
    const res = await get(port, 'nobody.example.com');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ host: 'nobody.example.com' });
  });
});
