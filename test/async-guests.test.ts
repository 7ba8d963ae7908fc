import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
// The runner's WAT test guests (built with jco's JS API, about a second each).
import { buildCpuGuest, buildOutboundGuest, buildTestGuest } from '../packages/runner/src/testing/components.js';
import { kedge, pickPorts, request, startKedge, tempDir, writeFile, type KedgeProcess } from './harness.js';

const NS = 'example';
const host = (name: string) => `${name}.${NS}.example.com`;

const MANIFEST = `apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: sleeper, namespace: ${NS} }
spec:
  template:
    spec:
      containerConcurrency: 10
      containers: [{ image: guest.wasm }]
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: caller, namespace: ${NS} }
spec:
  template:
    metadata: { annotations: { kedge.dev/outbound: cluster-local } }
    spec:
      containerConcurrency: 10
      containers: [{ image: outbound.wasm, env: [{ name: UPSTREAM, value: sleeper.${NS}.svc.cluster.local }] }]
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: cycle, namespace: ${NS} }
spec:
  template:
    metadata: { annotations: { kedge.dev/outbound: cluster-local } }
    spec:
      containerConcurrency: 10
      containers: [{ image: outbound.wasm, env: [{ name: UPSTREAM, value: cycle.${NS}.svc }] }]
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: hello, namespace: ${NS} }
spec:
  template:
    spec:
      containers: [{ image: cpu.wasm }]
`;

/** Sends `bytes` of body to /echo, reads about `readBytes` of the answer, then drops the connection. */
function echoAndLeave(gatewayUrl: string, bytes: number, readBytes: number): Promise<void> {
  const u = new URL(gatewayUrl);
  return new Promise((resolve) => {
    const req = httpRequest({
      host: u.hostname,
      port: u.port,
      path: '/echo',
      method: 'POST',
      headers: { host: host('sleeper'), 'content-length': bytes },
      agent: false,
    });
    let read = 0;
    req.on('response', (res) => {
      res.on('data', (c: Buffer) => {
        read += c.length;
        if (read >= readBytes) req.destroy();
      });
      res.on('end', () => resolve());
      res.on('close', () => resolve());
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    const chunk = Buffer.alloc(64 * 1024, 97);
    let sent = 0;
    const write = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(sent > bytes ? chunk.subarray(0, chunk.length - (sent - bytes)) : chunk))
          return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

describe('kedge up: guests that wait', () => {
  const tmp = tempDir('kedge-async-');
  let proc: KedgeProcess;

  beforeAll(async () => {
    writeFileSync(join(tmp.dir, 'guest.wasm'), await buildTestGuest());
    writeFileSync(join(tmp.dir, 'outbound.wasm'), await buildOutboundGuest());
    writeFileSync(join(tmp.dir, 'cpu.wasm'), await buildCpuGuest());
    const manifest = writeFile(tmp.dir, 'services.yaml', MANIFEST);
    proc = await startKedge({ ports: await pickPorts(), dataDir: join(tmp.dir, 'data') });
    const applied = await kedge(['apply', '-f', manifest], proc.creds);
    expect(applied.code, applied.stderr).toBe(0);
    for (const name of ['sleeper', 'caller', 'cycle', 'hello'])
      expect((await request(proc.gatewayUrl, host(name), '/count')).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await proc?.stop();
    tmp.cleanup();
  });

  it('answers 200 requests that each wait 100 ms, all at once, none lost', async () => {
    const all = await Promise.all(
      Array.from({ length: 200 }, () => request(proc.gatewayUrl, host('sleeper'), '/sleep?ms=100')),
    );
    expect(all.filter((r) => r.status === 200 && r.body === 'slept\n')).toHaveLength(200);
  }, 60_000);

  it('serves 50 concurrent service-to-service callers without an error', async () => {
    const all = await Promise.all(Array.from({ length: 50 }, () => request(proc.gatewayUrl, host('caller'))));
    expect(all.map((r) => `${r.status} ${r.body}`)).toEqual(Array(50).fill('200 Hello World!\n'));
  }, 60_000);

  it('ends a cycle (a service calling itself) at the hop limit while the node keeps serving', async () => {
    const cycles = Promise.all(Array.from({ length: 3 }, () => request(proc.gatewayUrl, host('cycle'))));
    const beside = await request(proc.gatewayUrl, host('hello'));
    expect(`${beside.status} ${beside.body}`).toBe('200 Hello World!\n');
    // The innermost call is refused (wasi:http error-code 36, loop-detected); every level answers with it.
    for (const r of await cycles) expect(`${r.status} ${r.body}`).toBe('200 error 36\n');
  }, 60_000);

  it('lives through clients that leave in the middle of a large response', async () => {
    for (let i = 0; i < 30; i++) await echoAndLeave(proc.gatewayUrl, 5 * 1024 * 1024, 10 * 1024);
    expect(proc.child.exitCode).toBe(null);
    const after = await request(proc.gatewayUrl, host('sleeper'), '/sleep?ms=1');
    expect(`${after.status} ${after.body}`).toBe('200 slept\n');
  }, 120_000);

  it('keeps a neighbour answering while another revision has three endless loops and three stalled uploads', async () => {
    const u = new URL(proc.gatewayUrl);
    const open = (head: string, body?: Buffer) =>
      new Promise<Socket>((resolve) => {
        const s = connect(Number(u.port), u.hostname, () => {
          s.write(head);
          if (body) s.write(body);
          resolve(s);
        });
        s.on('error', () => undefined);
      });
    const hostHeader = `Host: ${host('sleeper')}\r\n`;
    const noisy = [
      ...(await Promise.all([0, 1, 2].map(() => open(`GET /loop HTTP/1.1\r\n${hostHeader}\r\n`)))),
      ...(await Promise.all(
        [0, 1, 2].map(() =>
          open(`POST /echo HTTP/1.1\r\n${hostHeader}Content-Length: 10000000\r\n\r\n`, Buffer.alloc(200 * 1024, 97)),
        ),
      )),
    ];
    try {
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(Array.from({ length: 20 }, () => request(proc.gatewayUrl, host('hello'))));
        expect(answers.map((r) => `${r.status} ${r.body}`)).toEqual(Array(20).fill('200 Hello World!\n'));
      }
    } finally {
      // Their clients leave: the loops end with them.
      for (const s of noisy) s.destroy();
    }
  }, 60_000);

  it('stops on SIGTERM within its grace period while guests loop and wait', async () => {
    const inFlight = [
      request(proc.gatewayUrl, host('hello'), '/loop'),
      request(proc.gatewayUrl, host('sleeper'), '/sleep?ms=120000'),
    ].map((p) => p.catch(() => undefined));
    // A request sent after them and answered: the two are in flight by then (or failed, which the
    // stop below does not care about either).
    await request(proc.gatewayUrl, host('sleeper'), '/sleep?ms=200');
    const t0 = performance.now();
    await proc.stop('SIGTERM');
    expect(performance.now() - t0).toBeLessThan(15_000);
    await Promise.all(inFlight);
  }, 60_000);
});
