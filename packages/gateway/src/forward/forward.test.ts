import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { subjects, type EndpointsMessage } from '@kedge/core';
import { freePort } from '@kedge/core/testing';
import { createGatewayApp } from '../app.js';
import { echoHandler, type FakeHandler } from '../testing/fake-runner.js';
import { harness, routeObject, type Harness } from '../testing/harness.js';

const HOST = 'hello.default.example.com';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A gateway whose runner is remote: reached over HTTP through its HTTP entry, served by Node. */
async function remoteSetup(handler: FakeHandler = echoHandler, concurrency = 0, clusterToken?: string) {
  h = await harness({
    local: false,
    runner: { handler, concurrency },
    ...(clusterToken ? { gateway: { clusterToken } } : {}),
  });
  await h.serveRunner();
  const gw = await h.serve(createGatewayApp(h.gateway));
  await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
  return gw;
}

/** Raw HTTP/1.1 so hop-by-hop headers can be sent as a client would. */
function rawRequest(
  port: number,
  opts: { method?: string; headers: Record<string, string>; chunks?: string[]; onChunk?: (s: string) => void },
) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: '/echo?x=1', headers: opts.headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            body += d;
            opts.onChunk?.(d);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      for (const c of opts.chunks ?? []) req.write(c);
      req.end();
    },
  );
}

describe('forwarding to a remote runner', () => {
  it('rewrites headers: strips hop-by-hop and spoofed internal ones, appends the forwarding chain, streams the body in', async () => {
    const gw = await remoteSetup(echoHandler, 0, 'forward-test-cluster-token-0123');
    const inst = h!.runner.startInstance('default', 'hello-00001', 'inst-1');
    const res = await rawRequest(gw.port, {
      method: 'POST',
      headers: {
        host: HOST,
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret',
        'keep-alive': 'timeout=5',
        'proxy-authorization': 'Basic Zm9v',
        'x-forwarded-for': '10.0.0.1',
        forwarded: 'for=10.0.0.1',
        'kedge-instance': 'spoofed',
        'kedge-proxied': 'true',
        'kedge-cluster-token': 'spoofed',
        'transfer-encoding': 'chunked',
        'x-app': 'kept',
      },
      chunks: ['part one, ', 'part two'],
    });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as {
      headers: Record<string, string>;
      body: string;
      method: string;
      url: string;
      instanceId: string;
      fromActivator: boolean;
    };
    expect(seen.instanceId).toBe(inst.instanceId);
    expect(seen.fromActivator).toBe(true);
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('part one, part two');
    expect(new URL(seen.url).pathname + new URL(seen.url).search).toBe('/echo?x=1');
    const hd = seen.headers;
    expect(hd['x-hop']).toBeUndefined();
    expect(hd['keep-alive']).toBeUndefined();
    expect(hd['proxy-authorization']).toBeUndefined();
    expect(hd['x-app']).toBe('kept');
    expect(hd.host).toBe(HOST);
    expect(hd['kedge-instance']).toBe('inst-1');
    expect(hd['kedge-revision']).toBe('default/hello-00001');
    // The runner's entry gets the gateway's cluster token, never the client's.
    expect(hd['kedge-cluster-token']).toBe('forward-test-cluster-token-0123');
    expect(hd['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(hd['x-forwarded-proto']).toBe('http');
    expect(hd.forwarded).toBe(`for=10.0.0.1, for=127.0.0.1;host=${HOST};proto=http`);
  });

  it('strips hop-by-hop response headers (and those the Connection header names)', async () => {
    const gw = await remoteSetup(
      async () =>
        new Response('ok', {
          headers: { connection: 'x-secret', 'x-secret': '1', 'keep-alive': 'timeout=1', 'x-app': 'yes' },
        }),
    );
    h!.runner.startInstance('default', 'hello-00001');
    const res = await rawRequest(gw.port, { headers: { host: HOST } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.headers['x-secret']).toBeUndefined();
    expect(res.headers['x-app']).toBe('yes');
  });

  it('streams the response out as the instance produces it', async () => {
    const second = deferred();
    const gw = await remoteSetup(async () => {
      const enc = new TextEncoder();
      return new Response(
        new ReadableStream({
          async start(c) {
            c.enqueue(enc.encode('first;'));
            await second.promise;
            c.enqueue(enc.encode('second'));
            c.close();
          },
        }),
      );
    });
    h!.runner.startInstance('default', 'hello-00001');
    const res = await rawRequest(gw.port, {
      headers: { host: HOST },
      // the second chunk is only produced after the client has the first: proof of streaming
      onChunk: (s) => s.includes('first;') && second.resolve(),
    });
    expect(res.body).toBe('first;second');
  });

  it('retries on another instance only when the request never reached one (connection refused)', async () => {
    const gw = await remoteSetup(echoHandler, 1);
    h!.runner.startInstance('default', 'hello-00001', 'b-live');
    const dead = `http://127.0.0.1:${await freePort()}`;
    // a second node whose instance sorts first (first-free policy picks it) but whose port is closed
    const msg: EndpointsMessage = {
      namespace: 'default',
      revision: 'hello-00001',
      nodeId: 'node-dead',
      endpoints: [
        {
          namespace: 'default',
          revision: 'hello-00001',
          instanceId: 'a-dead',
          nodeId: 'node-dead',
          url: dead,
          concurrency: 1,
        },
      ],
      time: Date.now(),
    };
    h!.bus.publish(subjects.endpoints('default', 'hello-00001'), msg);
    await h!.bus.flush();
    expect(h!.gateway.inspect().revisions[0]?.endpoints).toBe(2);
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(gw.port, { headers: { host: HOST } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).instanceId).toBe('b-live');
    }
    // the unreachable instance is out of rotation until its node announces it again
    expect(h!.gateway.inspect().revisions[0]?.endpoints).toBe(1);
  });
});
