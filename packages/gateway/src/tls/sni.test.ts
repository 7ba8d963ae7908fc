import { connect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCertificate } from '@kedge/core/testing';
import { listen, sniCallback, type Listening } from '../serve.js';
import type { TlsMaterial } from './secrets.js';

/** The certificate the server presents for `servername`, as the subject's CN, or the handshake's error. */
function presented(port: number, servername: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      resolve(String(socket.getPeerCertificate().subject?.CN ?? ''));
      socket.destroy();
    });
    socket.on('error', (err) => resolve(`error: ${err.message}`));
  });
}

describe('the HTTPS listener picks certificates by SNI', () => {
  let server: Listening | undefined;
  afterEach(async () => server?.close());

  it('serves each domain its own certificate, a changed Secret from the next handshake on, and no certificate to an unknown name', async () => {
    const material = new Map<string, TlsMaterial>();
    const put = (domain: string, version: string) => {
      const c = makeCertificate([domain]);
      material.set(domain, { cert: c.cert, key: c.key, version });
      return c;
    };
    put('a.test', 'a@1');
    put('b.test', 'b@1');
    server = await listen(
      { fetch: () => new Response('ok') },
      { tls: { SNICallback: sniCallback({ tlsMaterial: (n) => material.get(n) }) } },
    );
    expect(await presented(server.port, 'a.test')).toBe('a.test');
    expect(await presented(server.port, 'b.test')).toBe('b.test');
    expect(await presented(server.port, 'c.test')).toMatch(/^error: /);
    // A renewed certificate under the same name: a new version, served at the next handshake.
    const renewed = makeCertificate(['a.test']);
    material.set('a.test', { cert: renewed.cert, key: renewed.key, version: 'a@2' });
    const fingerprint = await new Promise<string>((resolve) => {
      const s = connect(
        { host: '127.0.0.1', port: server!.port, servername: 'a.test', rejectUnauthorized: false },
        () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.destroy();
        },
      );
    });
    const { X509Certificate } = await import('node:crypto');
    expect(fingerprint).toBe(new X509Certificate(renewed.cert).fingerprint256);
  });
});
