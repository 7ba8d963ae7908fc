import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../net.js';
import { sha256Digest } from '../store/blobs-fs.js';
import { startDockerRegistry, type DockerRegistry } from '../testing/docker-registry.js';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import {
  DOCKER_IMAGE_CONFIG,
  DOCKER_MANIFEST,
  OCI_MANIFEST,
  runtimeForArtifactType,
  WASM_CONFIG,
  WASM_LAYER,
} from './media-types.js';
import { parseImageReference, type ImageReference } from './reference.js';
import { pushWasmComponent, resolveImage, wasmArtifact } from './wasm-artifact.js';

// Bytes that look like a component header; the registry does not care what a layer holds.
const COMPONENT = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x0d,
  0x00,
  0x01,
  0x00,
  ...new TextEncoder().encode('kedge test component'),
]);
const created = new Date('2026-12-03T00:00:00Z');

let registry: DockerRegistry;
const client = new RegistryClient();
const ref = (s: string): ImageReference => parseImageReference(`${registry.host}/${s}`)!;

const rejection = async (p: Promise<unknown>): Promise<RegistryError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
};

beforeAll(async () => {
  registry = await startDockerRegistry();
});
afterAll(async () => {
  await registry?.stop();
});

describe('RegistryClient against docker-registry (distribution 2.8)', () => {
  it('pushes a component as a wasm OCI artifact; the tag resolves to the pushed digest', async () => {
    const pushed = await pushWasmComponent(client, ref('hello:v1'), COMPONENT, created);
    const { manifest } = wasmArtifact(COMPONENT, created);
    expect(pushed).toBe(`${registry.host}/hello@${sha256Digest(manifest)}`);

    const head = await client.resolve(ref('hello:v1'));
    expect(head).toEqual({ mediaType: OCI_MANIFEST, digest: sha256Digest(manifest), size: manifest.length });

    const resolved = await resolveImage(client, ref('hello:v1'));
    expect(resolved.imageDigest).toBe(pushed);
    expect(resolved.artifactType).toBe(WASM_CONFIG);
    expect(runtimeForArtifactType(resolved.artifactType)).toBe('wasm');
    expect(resolved.component).toEqual({
      mediaType: WASM_LAYER,
      digest: sha256Digest(COMPONENT),
      size: COMPONENT.length,
    });

    const bytes = await client.blob(ref('hello:v1'), resolved.component!, 1024);
    expect(bytes).toEqual(COMPONENT);
    // By digest too, as a runner pulls it.
    const pinned = await resolveImage(client, parseImageReference(pushed)!);
    expect(pinned.digest).toBe(resolved.digest);
  });

  it('pushing the same component again sends no blob twice and keeps the digest', async () => {
    const a = await pushWasmComponent(client, ref('again:v1'), COMPONENT, created);
    const b = await pushWasmComponent(client, ref('again:v2'), COMPONENT, created);
    expect(b.split('@')[1]).toBe(a.split('@')[1]);
  });

  it('reads a Docker schema 2 image as a container artifact', async () => {
    const r = ref('app:1');
    const layer = new TextEncoder().encode('not really a tarball');
    const config = new TextEncoder().encode(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    );
    await client.pushBlob(r, layer);
    await client.pushBlob(r, config);
    const manifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: { mediaType: DOCKER_IMAGE_CONFIG, digest: sha256Digest(config), size: config.length },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            digest: sha256Digest(layer),
            size: layer.length,
          },
        ],
      }),
    );
    const digest = await client.pushManifest(r, manifest, DOCKER_MANIFEST);
    const resolved = await resolveImage(client, r);
    expect(resolved).toEqual({
      digest,
      imageDigest: `${registry.host}/app@${digest}`,
      artifactType: DOCKER_IMAGE_CONFIG,
    });
    expect(runtimeForArtifactType(resolved.artifactType)).toBe('container');
    expect((await client.resolve(r)).mediaType).toBe(DOCKER_MANIFEST);
  });

  it('a missing tag or repository is ImageNotFound, saying how to push one', async () => {
    const err = await rejection(client.resolve(ref('nothing:here')));
    expect(err.reason).toBe('ImageNotFound');
    expect(err.message).toContain(`${registry.host}/nothing:here`);
    expect(err.message).toContain('kedge push');
    expect((await rejection(resolveImage(client, ref('hello:v9')))).reason).toBe('ImageNotFound');
  });

  it('a blob larger than allowed, or not the size the manifest says, is refused', async () => {
    const resolved = await resolveImage(client, ref('hello:v1'));
    expect((await rejection(client.blob(ref('hello:v1'), resolved.component!, 8))).reason).toBe('ImageInvalid');
    const wrong = { digest: resolved.component!.digest, size: resolved.component!.size + 1 };
    const err = await rejection(client.blob(ref('hello:v1'), wrong, 1024));
    expect(err.message).toMatch(/the manifest says/);
  });

  it('a manifest whose digest is not the one pinned is refused', async () => {
    const other = sha256Digest(new TextEncoder().encode('other'));
    const err = await rejection(resolveImage(client, parseImageReference(`${registry.host}/hello@${other}`)!));
    // distribution answers 404 for a digest it does not hold: nothing unverified gets through either way.
    expect(['ImageNotFound', 'ImageInvalid']).toContain(err.reason);
  });

  it('a registry nobody listens on is RegistryUnreachable', async () => {
    const port = await freePort();
    const err = await rejection(client.resolve(parseImageReference(`127.0.0.1:${port}/hello:v1`)!));
    expect(err.reason).toBe('RegistryUnreachable');
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });
});

describe('startDockerRegistry', () => {
  it('fails loudly, saying how to install it, when the binary is missing', async () => {
    const saved = process.env.DOCKER_REGISTRY_BIN;
    process.env.DOCKER_REGISTRY_BIN = '/nonexistent/docker-registry';
    try {
      await expect(startDockerRegistry()).rejects.toThrow(/apt-get install -y docker-registry/);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_REGISTRY_BIN;
      else process.env.DOCKER_REGISTRY_BIN = saved;
    }
  });
});
