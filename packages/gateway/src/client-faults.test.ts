import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveGateway, type Listening } from './serve.js';
import type { FakeHandler } from './testing/fake-runner.js';
import { harness, routeObject, type Harness } from './testing/harness.js';

const HOST = 'hello.default.example.com';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Streams the request body back as it arrives (the echo guest's shape), pulled by whoever reads. */
const streamingEcho: FakeHandler = (req) => {
  const reader = req.body!.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { headers: { 'content-type': 'application/octet-stream' } });
};

/**
 * Sets up a gateway on a real HTTP server whose revision has containerConcurrency 1: a slot that
 * is never given back shows as the next request never being served.
 */
async function setup(remote: boolean): Promise<Listening> {
  h = await harness({ local: !remote, runner: { handler: streamingEcho, concurrency: 1 } });
  if (remote) await h.serveRunner();
  h.runner.startInstance('default', 'hello-00001');
  await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
  return h.track(await serveGateway(h.gateway));
}

/** A raw client: sends `bytes` of a POST body of `declared` bytes, reads up to `readLimit`, then leaves. */
function hostile(port: number, opts: { declared: number; send: number; readLimit: number }): Promise<number> {
  return new Promise((resolve) => {
    const s: Socket = connect(port, '127.0.0.1');
    let got = 0;
    const done = () => resolve(got);
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => {
      s.write(`POST /echo HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${opts.declared}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 97);
      let sent = 0;
      const pump = () => {
        while (sent < opts.send) {
          const n = Math.min(chunk.length, opts.send - sent);
          sent += n;
          if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once('drain', pump);
        }
        // All sent that will be: a stalled upload leaves after a moment of silence.
        if (opts.send < opts.declared) setTimeout(() => s.destroy(), 20);
      };
      pump();
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= opts.readLimit) s.destroy();
      });
    });
  });
}

/** A well-behaved POST through the server (fetch() would not send our Host). */
async function healthy(gw: Listening): Promise<void> {
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: gw.port, method: 'POST', path: '/echo', headers: { host: HOST }, agent: false },
      (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end('still here');
  });
  expect(res).toEqual({ status: 200, body: 'still here' });
}

describe('clients that leave mid-response or stall their upload end only their own request', () => {
  for (const remote of [false, true]) {
    const where = remote ? 'remote runner over HTTP' : 'runner in process';
    it(`${where}: 20 MB up, 10 KB read, then gone — many times; every slot comes back`, async () => {
      const gw = await setup(remote);
      const rounds = remote ? 30 : 100;
      for (let i = 0; i < rounds; i++)
        await hostile(gw.port, { declared: 20 * 1024 * 1024, send: 20 * 1024 * 1024, readLimit: 10 * 1024 });
      // containerConcurrency 1: served at all only if no hostile request kept the instance's slot.
      await healthy(gw);
      expect(h!.gateway.inspect().revisions.find((r) => r.key === 'default/hello-00001')?.inFlight).toBe(0);
    }, 60_000);

    it(`${where}: uploads that stall after 200 KB and are abandoned free their slot`, async () => {
      const gw = await setup(remote);
      for (let i = 0; i < 10; i++)
        await hostile(gw.port, { declared: 1024 * 1024, send: 200 * 1024, readLimit: Infinity });
      await healthy(gw);
      expect(h!.gateway.inspect().revisions.find((r) => r.key === 'default/hello-00001')?.inFlight).toBe(0);
    }, 60_000);
  }

  it('without a server end-of-response signal: a reader that cancels part way frees the slot', async () => {
    await setup(false);
    for (let i = 0; i < 20; i++) {
      const res = await h!.gateway.fetch(
        new Request(`http://${HOST}/echo`, {
          method: 'POST',
          headers: { host: HOST },
          body: new Uint8Array(4 * 1024 * 1024),
          duplex: 'half',
        } as RequestInit),
      );
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
    }
    const ok = await h!.request(HOST, '/echo', { method: 'POST', body: 'after' });
    expect(await ok.text()).toBe('after');
  });
});
