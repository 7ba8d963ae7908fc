import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  parseImageReference,
  pushWasmComponent,
  RegistryClient,
  sha256Digest,
  WASM_CONFIG,
  type Revision,
} from '@kedge/core';
import { startDockerRegistry, type DockerRegistry } from '@kedge/core/testing';
import { apiPerTest } from '../../test-support/harness.js';

const NS = 'example';
const component = (n: number) => new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, n]);
const created = new Date('2026-12-03T00:00:00Z');

let registry: DockerRegistry;
const client = new RegistryClient();

beforeAll(async () => {
  registry = await startDockerRegistry();
});
afterAll(async () => {
  await registry?.stop();
});
// No runner here: every revision counts as loaded once its image is resolved.
const env = apiPerTest('kedge-resolve-', { t0: Date.parse('2026-12-03T00:00:00Z'), loaded: true });

const push = (tag: string, bytes: Uint8Array) =>
  pushWasmComponent(client, parseImageReference(`${registry.host}/${tag}`)!, bytes, created);

async function deploy(name: string, image: string): Promise<Revision> {
  const res = await env.api.fetch(
    new Request(`http://api/apis/serving.knative.dev/v1/namespaces/${NS}/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name, namespace: NS },
        spec: { template: { spec: { containers: [{ image }] } } },
      }),
    }),
  );
  expect(res.status, await res.clone().text()).toBe(201);
  await env.api.idle();
  return revision(name);
}
const revision = async (name: string) => (await env.store.get<Revision>('Revision', NS, `${name}-00001`))!;
const cond = (o: Revision, type: string) => o.status?.conditions?.find((c) => c.type === type);

describe('tag-to-digest resolution of registry images', () => {
  it('resolves a wasm artifact once, records the digest and the artifact type, and stores the component', async () => {
    const pushed = await push('hello:v1', component(1));
    const rev = await deploy('hello', `${registry.host}/hello:v1`);
    expect(rev.status?.containerStatuses).toEqual([{ name: 'user-container', imageDigest: pushed }]);
    expect(rev.status?.resolvedImage).toEqual({ artifactType: WASM_CONFIG, component: sha256Digest(component(1)) });
    expect(await env.store.blobs.get(sha256Digest(component(1)))).toEqual(component(1));
    expect(cond(rev, 'Ready')?.status).toBe('True');

    // The tag moves; the revision keeps what it resolved to (a new revision would resolve again).
    await push('hello:v1', component(2));
    env.clock.advance(60_000);
    await env.store.update<Revision>({
      ...rev,
      metadata: { ...rev.metadata, labels: { ...rev.metadata.labels, touched: 'yes' } },
    });
    await env.api.idle();
    expect((await revision('hello')).status?.containerStatuses?.[0]?.imageDigest).toBe(pushed);
  });

  it('a tag that is not there → ImageNotFound saying how to push it; resolved after a retry once it is pushed', async () => {
    const rev = await deploy('later', `${registry.host}/later:v1`);
    expect(cond(rev, 'Ready')).toMatchObject({ status: 'False', reason: 'ImageNotFound' });
    expect(cond(rev, 'ContainerHealthy')?.message).toMatch(
      new RegExp(`^Unable to fetch image "${registry.host}/later:v1": .*kedge push`),
    );
    expect(rev.status?.resolvedImage).toBeUndefined();

    const pushed = await push('later:v1', component(3));
    env.clock.advance(5_000);
    await env.api.idle();
    const after = await revision('later');
    expect(after.status?.containerStatuses?.[0]?.imageDigest).toBe(pushed);
    expect(cond(after, 'Ready')?.status).toBe('True');
  });

  it('a registry nobody listens on → RegistryUnreachable', async () => {
    const port = await freePort();
    const rev = await deploy('nowhere', `127.0.0.1:${port}/hello:v1`);
    expect(cond(rev, 'Ready')).toMatchObject({ status: 'False', reason: 'RegistryUnreachable' });
    expect(cond(rev, 'ContainerHealthy')?.message).toContain(`registry 127.0.0.1:${port} is unreachable`);
  });

  it('config-deployment registries-skipping-tag-resolving: dev.local by default, and what the operator lists', async () => {
    const dev = await deploy('dev', 'dev.local/helloworld-go:v1');
    expect(dev.status?.resolvedImage).toEqual({ skipped: true });
    expect(dev.status?.containerStatuses).toEqual([{ name: 'user-container' }]);

    // The API installed config-deployment (with only its _example) at start: the operator edits it.
    const res = await env.api.fetch(
      new Request('http://api/api/v1/namespaces/knative-serving/configmaps/config-deployment', {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ data: { 'registries-skipping-tag-resolving': registry.host } }),
      }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    await env.api.idle();
    await push('skipped:v1', component(4));
    const rev = await deploy('skipped', `${registry.host}/skipped:v1`);
    expect(rev.status?.resolvedImage).toEqual({ skipped: true });
  });

  it("local image names are not resolved (they are a container engine's)", async () => {
    const rev = await deploy('local', 'localhost/helloworld-go');
    expect(rev.status?.resolvedImage).toBeUndefined();
    expect(rev.status?.containerStatuses).toEqual([{ name: 'user-container' }]);
  });
});
