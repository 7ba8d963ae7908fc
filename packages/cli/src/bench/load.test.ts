import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@kedge/core/testing';
import { startNodeHello } from './baselines/node-hello.js';
import { loadResultJson, runLoad } from './load.js';

describe('runLoad against real HTTP servers', () => {
  let hello: Awaited<ReturnType<typeof startNodeHello>>;
  const seenHosts = new Set<string>();
  const echo = createServer((req, res) => {
    seenHosts.add(req.headers.host ?? '');
    res.writeHead(req.url === '/missing' ? 404 : 200).end('ok');
  });
  let echoPort = 0;

  beforeAll(async () => {
    hello = await startNodeHello(0);
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as { port: number }).port;
  });
  afterAll(async () => {
    hello.server.close();
    echo.close();
  });

  it('sends exactly the requested count over keep-alive connections', async () => {
    const r = await runLoad({ url: `http://127.0.0.1:${hello.port}/`, connections: 4, requests: 300 });
    expect(r.requests).toBe(300);
    expect(r.statusCounts).toEqual({ '200': 300 });
    expect(r.errorCount).toBe(0);
    expect(r.bytes).toBe(300 * 'Hello World!\n'.length);
    expect(r.latency.count).toBe(300);
    expect(r.timeline.reduce((n, s) => n + s.requests, 0)).toBe(300);
    const json = loadResultJson(r);
    expect(json.latencyMs.p50).toBeGreaterThan(0);
    expect(json.latencyMs.max).toBeGreaterThanOrEqual(json.latencyMs.p99);
  });

  it('overrides Host and counts status codes', async () => {
    const r = await runLoad({
      url: `http://127.0.0.1:${echoPort}/missing`,
      host: 'hello.default.example.com',
      connections: 2,
      requests: 10,
    });
    expect(r.statusCounts).toEqual({ '404': 10 });
    expect([...seenHosts]).toEqual(['hello.default.example.com']);
  });

  it('counts connection errors by cause and still stops at the bound', async () => {
    const port = await freePort();
    const r = await runLoad({ url: `http://127.0.0.1:${port}/`, connections: 2, requests: 6 });
    expect(r.requests).toBe(0);
    expect(r.errors).toEqual({ ECONNREFUSED: 6 });
  });

  it('stops at the duration bound and reports ticks', async () => {
    const ticks: number[] = [];
    const r = await runLoad({
      url: `http://127.0.0.1:${hello.port}/`,
      connections: 1,
      durationMs: 1_500,
      onTick: (t) => ticks.push(t.requests),
    });
    expect(r.durationMs).toBeGreaterThanOrEqual(1_500);
    expect(r.requests).toBeGreaterThan(0);
    expect(ticks.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses an unbounded run', async () => {
    await expect(runLoad({ url: `http://127.0.0.1:${hello.port}/`, connections: 1 })).rejects.toThrow(/-z|-n/);
  });
});
