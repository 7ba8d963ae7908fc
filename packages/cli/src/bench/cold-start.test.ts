import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runColdStart, summarizeColdStart, summaryTable } from './cold-start.js';
import { phaseBar } from './output.js';
import type { TimedResponse } from './request.js';

describe('runColdStart against a real HTTP server', () => {
  // Stands in for a gateway: the first request after each "scale to zero" reports an activator hold.
  let cold = false;
  const hosts: string[] = [];
  const server = createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (cold) headers['server-timing'] = 'activator;dur=1.5, poke;dur=0.7';
    cold = false;
    res.writeHead(200, headers).end('hi');
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => void server.close());

  it('scales to zero before every iteration and collects the phases', async () => {
    let zeroed = 0;
    const r = await runColdStart({
      url,
      host: 'hello.default.example.com',
      iterations: 5,
      concurrency: 1,
      toZero: async () => {
        zeroed += 1;
        cold = true;
      },
    });
    expect(zeroed).toBe(5);
    expect(r.samples).toHaveLength(5);
    expect(r.statusCounts).toEqual({ '200': 5 });
    expect(r.phaseOrder).toEqual(['activator', 'poke']);
    expect(r.phases.activator!.p50).toBe(1.5);
    expect(r.warmHits).toBe(0);
    // The warm-up request opened the connection with a host no route serves; the measured ones carry --host.
    expect(hosts.filter((h) => h === 'hello.default.example.com')).toHaveLength(5);
  });

  it('counts requests that found the revision warm', async () => {
    const r = await runColdStart({ url, iterations: 3, concurrency: 2, toZero: async () => void (cold = true) });
    expect(r.samples).toHaveLength(6);
    expect(r.warmHits).toBe(3);
  });
});

const sample = (ttfbMs: number, phases: Record<string, number>, error?: string): TimedResponse => ({
  at: 0,
  status: error ? 0 : 200,
  ttfbMs,
  ttlbMs: ttfbMs + 0.1,
  phases,
  ...(error ? { error } : {}),
});

describe('cold-start summaries', () => {
  const r = summarizeColdStart(
    { url: 'http://x/', iterations: 4, concurrency: 1 },
    [
      sample(4, { activator: 3, poke: 2 }),
      sample(6, { activator: 4, poke: 3 }),
      sample(5, { activator: 3.5, poke: 2.5 }),
      sample(30_000, {}, 'UND_ERR_HEADERS_TIMEOUT'),
    ],
    ['activator', 'poke'],
  );

  it('keeps errors out of the latency figures', () => {
    expect(r.errors).toEqual({ UND_ERR_HEADERS_TIMEOUT: 1 });
    expect(r.ttfb.count).toBe(3);
    expect(r.failed).toBe(1);
    expect(r.ttfb.max).toBe(6);
    expect(r.phases.activator!.p50).toBe(3.5);
  });

  it('stacks top-level phases, nests poke inside the activator hold, and shows the remainder', () => {
    const bar = phaseBar('tiny', r);
    expect(bar.phases).toEqual([
      { name: 'activator', ms: 3.5 },
      { name: 'poke', ms: 2.5, within: 'activator' },
    ]);
    expect(bar.totalMs).toBe(5);
    expect(bar.restMs).toBe(1.5); // median of 4-3, 6-4, 5-3.5 (the failed request is left out)
  });

  it('prints a table with one row per phase', () => {
    const table = summaryTable([{ name: 'TTFB', s: r.ttfb }]);
    expect(table.split('\n')[0]).toMatch(/n\s+p50\s+p90\s+p99\s+max/);
    expect(table).toContain('5.00 ms');
  });
});
