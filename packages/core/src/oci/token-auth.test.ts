import { execFileSync } from 'node:child_process';
import { createSign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../net.js';
import { startDockerRegistry, type DockerRegistry } from '../testing/docker-registry.js';
import { RegistryClient } from './client.js';
import { parseImageReference } from './reference.js';
import { pushWasmComponent, resolveImage } from './wasm-artifact.js';

// distribution's token auth, the flow of Docker Hub and GHCR: the registry answers 401 with a Bearer
// challenge, the client gets a JWT from the realm (anonymously, or with Basic credentials) and retries.
// The token service here is the test's own: anonymous users may pull, `kedge` may push.
const SERVICE = 'kedge-test-registry';
const ISSUER = 'kedge-test-issuer';
const COMPONENT = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 9]);
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

let dir: string;
let registry: DockerRegistry;
let tokens: Server;
const asked: { user: string; scope: string }[] = [];

function jwt(key: string, certDer: Buffer, claims: Record<string, unknown>): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] }));
  const body = b64url(JSON.stringify(claims));
  const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(key);
  return `${head}.${body}.${b64url(sig)}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kedge-token-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=kedge-token',
    ],
    { stdio: 'ignore' },
  );
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const der = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).raw;
  const port = await freePort();
  tokens = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const basic = req.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString()
      : '';
    const user = basic === 'kedge:s3cret' ? 'kedge' : '';
    const scope = url.searchParams.get('scope') ?? '';
    asked.push({ user, scope });
    const [, name, wanted] = scope.split(':');
    const actions = (wanted ?? '').split(',').filter((a) => a === 'pull' || (a === 'push' && user === 'kedge'));
    const now = Math.floor(Date.now() / 1000);
    const token = jwt(key, der, {
      iss: ISSUER,
      sub: user,
      aud: SERVICE,
      iat: now,
      nbf: now - 10,
      exp: now + 300,
      jti: String(asked.length),
      access: [{ type: 'repository', name, actions }],
    });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ token }));
  });
  await new Promise<void>((r) => tokens.listen(port, '127.0.0.1', r));
  registry = await startDockerRegistry({
    token: {
      realm: `http://127.0.0.1:${port}/token`,
      service: SERVICE,
      issuer: ISSUER,
      rootCertBundle: join(dir, 'cert.pem'),
    },
  });
});
afterAll(async () => {
  await registry?.stop();
  await new Promise((r) => tokens?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('registry token auth (docker-registry with token auth)', () => {
  it('pushes with a token got with credentials, pulls with an anonymous one', async () => {
    const ref = parseImageReference(`${registry.host}/team/hello:v1`)!;
    const anonymous = new RegistryClient();
    await expect(pushWasmComponent(anonymous, ref, COMPONENT, new Date(0))).rejects.toMatchObject({
      reason: 'RegistryUnauthorized',
    });

    const pusher = new RegistryClient({ credentials: () => ({ username: 'kedge', password: 's3cret' }) });
    const pushed = await pushWasmComponent(pusher, ref, COMPONENT, new Date(0));
    expect(asked).toContainEqual({ user: 'kedge', scope: 'repository:team/hello:pull,push' });

    const resolved = await resolveImage(anonymous, ref);
    expect(resolved.imageDigest).toBe(pushed);
    expect(await anonymous.blob(ref, resolved.component!, 1024)).toEqual(COMPONENT);
    expect(asked).toContainEqual({ user: '', scope: 'repository:team/hello:pull' });
  });
});
