import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';

/**
 * The API's TLS identity: a self-signed P-256 certificate made at first start in the data
 * directory (`api.crt`, `api.key` mode 0600). kubectl sends a kubeconfig's token only to an
 * https server (client-go drops credentials for http), so the API answers TLS on its port too, and
 * `kedge config kubeconfig` puts this certificate in as the cluster's certificate authority.
 * Node can parse certificates but not make them, hence the small DER writer below (RFC 5280).
 */
export const CERT_FILE = 'api.crt';
export const KEY_FILE = 'api.key';

export interface TlsIdentity {
  cert: string;
  key: string;
}

// DER, just what a certificate needs.
const der = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
};
const seq = (...p: Buffer[]) => der(0x30, ...p);
const set = (...p: Buffer[]) => der(0x31, ...p);
const oid = (dotted: string): Buffer => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
};
const int = (b: Buffer) => der(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
const octets = (b: Buffer) => der(0x04, b);
const bits = (b: Buffer) => der(0x03, Buffer.from([0]), b);
const explicit = (n: number, b: Buffer) => der(0xa0 + n, b);
/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
const time = (d: Date): Buffer => {
  const iso = `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
};

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.concat(groups.map((g) => Buffer.from([parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff])));
}

/** A self-signed certificate for `hosts` (IPs and names), valid ten years, and its private key (PEM). */
export function selfSignedCertificate(hosts: string[], now = new Date(), random = randomBytes): TlsIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), utf8('kedge-api'))));
  const san = seq(
    ...[...new Set(hosts)].map((h) => (isIP(h) ? der(0x87, ipBytes(h)) : der(0x82, Buffer.from(h, 'ascii')))),
  );
  const extensions = seq(
    seq(oid('2.5.29.17'), octets(san)),
    // Its own CA: kubectl's certificate-authority-data is this very certificate.
    seq(oid('2.5.29.19'), der(0x01, Buffer.from([0xff])), octets(seq(der(0x01, Buffer.from([0xff]))))),
    seq(oid('2.5.29.15'), der(0x01, Buffer.from([0xff])), octets(der(0x03, Buffer.from([0x02, 0x84])))),
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1')))),
  );
  // DER wants a positive INTEGER in the fewest bytes: a first byte of 0x40–0x7f is neither negative
  // nor a padding zero (a leading 0x00 made Node refuse about 1 certificate in 230: "illegal padding").
  const serial = random(16);
  serial[0] = 0x40 | (serial[0]! & 0x3f);
  const tbs = seq(
    explicit(0, der(0x02, Buffer.from([2]))),
    int(serial),
    ecdsaSha256,
    name,
    seq(time(new Date(now.getTime() - 3600_000)), time(new Date(now.getTime() + 10 * 365 * 86400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certDer = seq(tbs, ecdsaSha256, bits(signature));
  const cert = `-----BEGIN CERTIFICATE-----\n${certDer.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function usable(id: TlsIdentity, hosts: string[]): boolean {
  try {
    const x = new X509Certificate(id.cert);
    createPrivateKey(id.key);
    return (
      hosts.every((h) => (isIP(h) ? x.checkIP(h) : x.checkHost(h)) !== undefined) && Date.parse(x.validTo) > Date.now()
    );
  } catch {
    return false;
  }
}

/**
 * The API's certificate from `dir`, made on first start for `hosts`; remade when a host it must
 * name is missing from it (e.g. a new listen address).
 */
export async function loadOrCreateTlsIdentity(dir: string, hosts: string[]): Promise<TlsIdentity> {
  const certFile = join(dir, CERT_FILE);
  const keyFile = join(dir, KEY_FILE);
  let stored: TlsIdentity | undefined;
  try {
    stored = { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (stored && usable(stored, hosts)) return stored;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const id = selfSignedCertificate(['127.0.0.1', '::1', 'localhost', ...hosts]);
  await writeFile(keyFile, id.key, { mode: 0o600 });
  await writeFile(certFile, id.cert, { mode: 0o644 });
  return id;
}
