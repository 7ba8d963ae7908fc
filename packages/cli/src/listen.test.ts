import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@kedge/core';
import { startNatsServer, type NatsServer } from '@kedge/core/testing';
import { advertisedUrl, parseListen } from './listen.js';
import { startRole, type RunningRole } from './roles/start.js';
import { loopbackPeer } from './serve.js';

/** The kernel's listening TCP sockets on a port, as `address:port` (from /proc/net/tcp and tcp6). */
function listeners(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // st 0A = LISTEN
      if (f.length < 4 || f[3] !== '0A') continue;
      const [hex, p] = f[1]!.split(':') as [string, string];
      if (parseInt(p, 16) !== port) continue;
      const addr =
        hex.length === 8
          ? hex
              .match(/../g)!
              .reverse()
              .map((b) => parseInt(b, 16))
              .join('.')
          : hex === '0'.repeat(32)
            ? '::'
            : hex;
      out.push(`${addr}:${port}`);
    }
  }
  return out;
}

/** One raw HTTP/1.1 GET through 127.0.0.1, with the headers given: status and body. */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      const lines = Object.entries({ connection: 'close', ...headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      s.write(`GET ${path} HTTP/1.1\r\n${lines}\r\n`);
    });
    let raw = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (raw += d));
    s.on('error', reject);
    s.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
      resolve({ status, body: raw.slice(raw.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('--listen HOST:PORT', () => {
  it('parses host and port and names the flag in errors', () => {
    expect(parseListen('--listen', '0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListen('--listen', '[::]:0')).toEqual({ host: '::', port: 0 });
    expect(parseListen('--listen', ':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(() => parseListen('--listen', '8080')).toThrow(/^--listen: "8080" is not HOST:PORT/);
    expect(() => parseListen('--api-listen', 'example.com:80')).toThrow(
      /^--api-listen: "example.com" is not an IP address/,
    );
    expect(() => parseListen('--listen', '1.2.3.4:70000')).toThrow(/^--listen: /);
  });

  it('advertises the bound address, a real one for a wildcard bind, or what it is told', () => {
    expect(advertisedUrl('10.0.0.5', 8012)).toBe('http://10.0.0.5:8012');
    expect(advertisedUrl('0.0.0.0', 8012)).toMatch(/^http:\/\/(?!0\.0\.0\.0)[\d.]+:8012$/);
    expect(advertisedUrl('0.0.0.0', 8012, 'http://edge-1.example:8012/')).toBe('http://edge-1.example:8012');
  });

  it('serves plain HTTP off loopback only to this machine', () => {
    expect(loopbackPeer({ remoteAddress: '127.0.0.1' })).toBe(true);
    expect(loopbackPeer({ remoteAddress: '::ffff:127.0.0.1' })).toBe(true);
    expect(loopbackPeer({ remoteAddress: '::1' })).toBe(true);
    expect(loopbackPeer({ remoteAddress: '10.0.0.7' })).toBe(false);
    expect(loopbackPeer({ remoteAddress: '::ffff:192.168.1.2' })).toBe(false);
  });

  describe('roles on a real nats-server', () => {
    const TOKEN = 'listen-test-cluster-token-0123456789';
    let nats: NatsServer;
    let dir: string;
    const running: RunningRole[] = [];
    beforeAll(async () => {
      nats = await startNatsServer();
      dir = mkdtempSync(join(tmpdir(), 'kedge-listen-'));
    });
    afterAll(async () => {
      for (const r of running) await r.stop();
      await nats?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('kedge gateway --listen 0.0.0.0:0 binds every address and answers through loopback', async () => {
      const gw = await startRole({
        role: 'gateway',
        nats: nats.url,
        token: TOKEN,
        id: 'gw-listen',
        listen: { gateway: { host: '0.0.0.0', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
        dataDir: join(dir, 'gw'),
        logger: silentLogger,
      });
      running.push(gw);
      const port = Number(new URL(gw.urls.gateway!).port);
      expect(listeners(port)).toEqual([`0.0.0.0:${port}`]);
      // The admin port was not asked to leave loopback.
      const adminPort = Number(new URL(gw.urls.admin!).port);
      expect(listeners(adminPort)).toEqual([`127.0.0.1:${adminPort}`]);
      const res = await get(port, '/', { host: 'nobody.example.com' });
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'no route for this host', host: 'nobody.example.com' });
    });

    it('the API off loopback asks for the token on reads too', async () => {
      const api = await startRole({
        role: 'api',
        nats: nats.url,
        token: TOKEN,
        id: 'api-listen',
        listen: { api: { host: '0.0.0.0', port: 0 } },
        dataDir: join(dir, 'api'),
        logger: silentLogger,
      });
      running.push(api);
      const port = Number(new URL(api.urls.api!).port);
      expect(listeners(port)).toEqual([`0.0.0.0:${port}`]);
      const path = '/apis/serving.knative.dev/v1/namespaces/default/services';
      const anonymous = await get(port, path, { host: `127.0.0.1:${port}` });
      expect(anonymous.status).toBe(401);
      const withToken = await get(port, path, { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` });
      expect(withToken.status).toBe(200);
    });
  });
});
