import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLUSTER_TOKEN_HEADER } from '@kedge/core';
import { HOPS_HEADER, MAX_HOPS, createOutbound } from './outbound.js';
import type { InstanceSpec, OutboundRequest } from './protocol.js';

const spec: InstanceSpec = { instanceId: 'i', revision: 'ns/r', env: [], logLimit: 0, outbound: 'cluster-local' };
const get = (url: string, headers: [string, string][] = []): OutboundRequest => ({
  method: 'GET',
  url,
  headers,
  body: new Uint8Array(0),
});

let server: Server;
let seen: IncomingHttpHeaders | undefined;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    seen = req.headers;
    if (req.url === '/never') return; // never answers
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

it('marks cluster-local calls to a gateway address with the cluster token and the hop count, not letting the guest set them', async () => {
  const perform = createOutbound({ gatewayUrl: base, clusterToken: 'secret' });
  const reply = await perform(
    get('http://b.ns.svc.cluster.local/', [
      [CLUSTER_TOKEN_HEADER, 'forged'],
      [HOPS_HEADER, '0'],
    ]),
    spec,
    { hops: 2 },
  );
  expect(reply).toMatchObject({ status: 200 });
  expect(seen?.[CLUSTER_TOKEN_HEADER]).toBe('secret');
  expect(seen?.[HOPS_HEADER]).toBe('3');
  expect(seen?.host).toBe('b.ns.svc.cluster.local');
});

it('counts a hop header that is not a whole number ≥ 0 (sent from outside the cluster) as 0, so the limit cannot be stretched or switched off', async () => {
  const perform = createOutbound({ gatewayUrl: base, clusterToken: 'secret' });
  for (const hops of [Number.NaN, -100_000, 2.5]) {
    expect(await perform(get('http://b.ns.svc.cluster.local/'), spec, { hops })).toMatchObject({ status: 200 });
    expect(seen?.[HOPS_HEADER]).toBe('1');
  }
});

it('refuses a call past the hop limit at once (a cycle ends instead of filling the node)', async () => {
  let called = false;
  const perform = createOutbound({
    gatewayFetch: async () => {
      called = true;
      return new Response('x');
    },
  });
  expect(await perform(get('http://a.ns.svc/'), spec, { hops: MAX_HOPS })).toMatchObject({ error: 'loop-detected' });
  expect(called).toBe(false);
});

it('ends a call at its per-call limit, through the in-process gateway and over HTTP', async () => {
  const never = createOutbound({ gatewayFetch: () => new Promise<Response>(() => undefined), timeoutMs: 100 });
  expect(await never(get('http://a.ns.svc/'), spec)).toMatchObject({ error: 'HTTP-response-timeout' });
  const slow = createOutbound({ gatewayUrl: base, timeoutMs: 100 });
  expect(await slow(get('http://a.ns.svc/never'), spec)).toMatchObject({ error: 'HTTP-response-timeout' });
});

it("ends a call when the guest's own request ends", async () => {
  const ac = new AbortController();
  const perform = createOutbound({ gatewayFetch: () => new Promise<Response>(() => undefined) });
  const reply = perform(get('http://a.ns.svc/'), spec, { signal: ac.signal });
  ac.abort();
  expect(await reply).toMatchObject({ error: 'HTTP-response-timeout', message: "the guest's own request ended" });
});
