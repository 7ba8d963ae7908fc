import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerRegistry, type DockerRegistry } from '../testing/docker-registry.js';
import { RegistryClient } from './client.js';
import { dockerConfigCredentials, dockerConfigPaths } from './docker-config.js';
import { RegistryError } from './errors.js';
import { parseImageReference } from './reference.js';
import { pushWasmComponent, resolveImage } from './wasm-artifact.js';

// A fixed bcrypt hash of PASSWORD (cost 4): distribution's htpasswd accepts bcrypt only, Node has none.
const USER = 'kedge';
const PASSWORD = 'kedge-test-password';
const HTPASSWD = `${USER}:$2b$04$fVL89n.Qju10AQgwfHFEoezPLoyfrrTk4k2h4XMqmeLCdf7XYtUpi`;
const COMPONENT = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 42]);

let registry: DockerRegistry;
let dir: string;
beforeAll(async () => {
  registry = await startDockerRegistry({ htpasswd: HTPASSWD });
  dir = mkdtempSync(join(tmpdir(), 'kedge-auth-'));
});
afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('registry auth (docker-registry with htpasswd)', () => {
  it('without credentials: RegistryUnauthorized, saying so', async () => {
    const err = await new RegistryClient()
      .resolve(parseImageReference(`${registry.host}/private:v1`)!)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).reason).toBe('RegistryUnauthorized');
    expect((err as RegistryError).message).toContain(`registry ${registry.host} refused access (HTTP 401)`);
  });

  it('answers the Basic challenge with the credentials, from the callback or a docker/podman auth file', async () => {
    const ref = parseImageReference(`${registry.host}/private:v1`)!;
    const client = new RegistryClient({
      credentials: (r) => (r === registry.host ? { username: USER, password: PASSWORD } : undefined),
    });
    const pushed = await pushWasmComponent(client, ref, COMPONENT, new Date(0));

    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        auths: { [`http://${registry.host}/v1/`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } },
      }),
    );
    const fromFile = new RegistryClient({ credentials: dockerConfigCredentials([join(dir, 'missing.json'), file]) });
    expect((await resolveImage(fromFile, ref)).imageDigest).toBe(pushed);

    const wrong = new RegistryClient({ credentials: () => ({ username: USER, password: 'nope' }) });
    await expect(wrong.resolve(ref)).rejects.toMatchObject({ reason: 'RegistryUnauthorized' });
  });

  it('looks for auth files where podman and docker keep them', () => {
    expect(dockerConfigPaths({ REGISTRY_AUTH_FILE: '/a.json', DOCKER_CONFIG: '/d' }, '/home/u')).toEqual([
      '/a.json',
      '/d/config.json',
      '/home/u/.docker/config.json',
    ]);
    expect(dockerConfigPaths({}, '/home/u')).toEqual(['/home/u/.docker/config.json']);
  });
});
