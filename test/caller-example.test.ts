import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { ROOT, pickPorts, request, startKedge, tempDir, waitForObject, type KedgeProcess } from './harness.js';

// examples/caller calling examples/helloworld by its cluster-local name, deployed as the README shows.
const WASM = join(ROOT, 'examples/caller/build/caller.wasm');
const HOST = 'caller.example.example.com';
const SERVICES = '/apis/serving.knative.dev/v1/namespaces/example/services';
const isReady = (s: any) => s.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

/** A GET with extra headers (the harness's request sends only Host). */
function requestWith(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: '/', headers, agent: false }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      r.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('examples/caller through kedge up', () => {
  const tmp = tempDir('kedge-caller-');
  let proc: KedgeProcess;

  beforeAll(async () => {
    expect(existsSync(WASM), `${WASM} missing: npm run build makes it`).toBe(true);
    proc = await startKedge({
      ports: await pickPorts(),
      dataDir: join(tmp.dir, 'data'),
      extra: [
        '--apply',
        join(ROOT, 'examples/helloworld/service.yaml'),
        '--apply',
        join(ROOT, 'examples/caller/service.yaml'),
      ],
    });
    for (const name of ['helloworld', 'caller']) await waitForObject(proc.apiUrl, SERVICES, name, isReady);
  }, 60_000);

  afterAll(async () => {
    await proc?.stop();
    tmp.cleanup();
  });

  it("answers with helloworld's answer, called by its cluster-local name", async () => {
    const r = await request(proc.gatewayUrl, HOST);
    expect(`${r.status} ${r.body}`).toBe('200 Hello Kedge!\n');
  });

  it('50 concurrent callers all get the answer, none lost', async () => {
    const all = await Promise.all(Array.from({ length: 50 }, () => request(proc.gatewayUrl, HOST)));
    expect(all.map((r) => `${r.status} ${r.body}`)).toEqual(Array(50).fill('200 Hello Kedge!\n'));
  }, 60_000);

  it('ignores a hop count sent from outside: the gateway strips it, so the call is not refused as a loop', async () => {
    // Had it reached the guest, 16 hops would make its call the 17th: loop-detected (error 36).
    const r = await requestWith(proc.gatewayUrl, { host: HOST, 'kedge-hops': '16' });
    expect(`${r.status} ${r.body}`).toBe('200 Hello Kedge!\n');
  });
});
