import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  /** PEM of the certificate (what a client trusts with `--cacert`: it is self-signed). */
  cert: string;
  key: string;
  /** A v1 Secret of type kubernetes.io/tls holding both. */
  secret(name: string, namespace: string): Record<string, unknown>;
}

/**
 * A self-signed certificate for `domains`, made now with the openssl CLI (fails loudly when openssl
 * is missing): tests never ship key material.
 */
export function makeCertificate(domains: string[]): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-cert-'));
  try {
    const keyFile = join(dir, 'tls.key');
    const certFile = join(dir, 'tls.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${domains[0]}`,
        '-addext',
        `subjectAltName=${domains.map((d) => `DNS:${d}`).join(',')}`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const cert = readFileSync(certFile, 'utf8');
    const key = readFileSync(keyFile, 'utf8');
    return {
      cert,
      key,
      secret: (name, namespace) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') },
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
