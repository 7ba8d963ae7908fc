import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { createSecureContext } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serveFetch } from './serve.js';
import { loadOrCreateTlsIdentity, selfSignedCertificate } from './tls.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kedge-tls-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("the API's self-signed certificate", () => {
  it('names the loopback addresses, is its own issuer and verifies with its own key', () => {
    const { cert } = selfSignedCertificate(['127.0.0.1', '::1', 'localhost', 'api.internal']);
    const x = new X509Certificate(cert);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkIP('::1')).toBeDefined();
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.checkHost('api.internal')).toBe('api.internal');
    expect(x.checkHost('evil.example')).toBeUndefined();
    expect(x.ca).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(Date.parse(x.validTo) - Date.now()).toBeGreaterThan(365 * 86400_000);
  });

  it('has a serial Node accepts whatever the random bytes (no padding zero, never negative)', () => {
    for (const fill of [0x00, 0x7f, 0x80, 0xff]) {
      const { cert, key } = selfSignedCertificate(['127.0.0.1'], new Date(), (n) => Buffer.alloc(n, fill));
      const x = new X509Certificate(cert);
      expect(x.serialNumber).toHaveLength(32);
      expect(() => createSecureContext({ cert, key })).not.toThrow();
    }
  });

  it('is kept across starts (key mode 0600) and remade for a host it does not name', async () => {
    const a = await loadOrCreateTlsIdentity(dir, ['127.0.0.1']);
    expect(statSync(join(dir, 'api.key')).mode & 0o777).toBe(0o600);
    expect((await loadOrCreateTlsIdentity(dir, ['127.0.0.1'])).cert).toBe(a.cert);
    const b = await loadOrCreateTlsIdentity(dir, ['10.9.8.7']);
    expect(b.cert).not.toBe(a.cert);
    expect(new X509Certificate(b.cert).checkIP('10.9.8.7')).toBe('10.9.8.7');
  });
});

describe('one port, http and https', () => {
  it('answers both protocols; a client that trusts the certificate verifies the server', async () => {
    const id = await loadOrCreateTlsIdentity(dir, ['127.0.0.1']);
    const served = await serveFetch(
      'api',
      '--api-port',
      (req) => new Response(new URL(req.url).protocol),
      0,
      '127.0.0.1',
      id,
    );
    try {
      const plain = await fetch(`${served.url}/`);
      expect(await plain.text()).toBe('http:');
      const secure = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port: served.port, path: '/', ca: id.cert, agent: false }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
      expect(secure).toBe('https:');
      const untrusted = await new Promise<string>((resolve) => {
        request({ host: '127.0.0.1', port: served.port, path: '/', agent: false }, () => resolve('connected'))
          .on('error', (err) => resolve((err as NodeJS.ErrnoException).code ?? err.message))
          .end();
      });
      expect(untrusted).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
    } finally {
      await served.close();
    }
  });
});
