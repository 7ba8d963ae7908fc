import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest, WASM_CONFIG } from '@kedge/core';
import { startDockerRegistry, type DockerRegistry } from '@kedge/core/testing';
import {
  HELLO_WASM,
  expectFiles,
  isReady,
  kedge,
  request,
  serviceYaml,
  servingPath,
  useKedgeUp,
  waitForObject,
  writeFile,
} from './harness.js';
import { NEEDS_KUBECTL, kubectlFor } from './kubectl.js';

// A component published with `kedge push` to a real registry (Debian's docker-registry, distribution 2.8) is
// deployed by `image: 127.0.0.1:PORT/hello:v1`, resolved to its digest on the Revision (Knative's tag-to-digest
// resolution, docs/api.md) and served; one uploaded to Kedge's own store with `kedge push FILE` is deployed by
// the real kubectl with the reference push printed.

const NS = 'example';
const SERVICES = servingPath(NS, 'services');
const REVISIONS = servingPath(NS, 'revisions');

const manifest = (name: string, image: string, target: string) => serviceYaml(name, NS, image, { target });

describe('components from an OCI registry and kedge push', () => {
  const proc = useKedgeUp('kedge-registry-e2e-', { needs: [HELLO_WASM] });
  let registry: DockerRegistry;

  beforeAll(async () => {
    registry = await startDockerRegistry();
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('kedge push FILE REF publishes to the registry; image: REF is resolved to that digest and served', async () => {
    const pushed = await kedge(['push', HELLO_WASM, `${registry.host}/hello:v1`]);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    const ref = pushed.stdout.trim();
    expect(ref).toMatch(new RegExp(`^${registry.host.replace(/\./g, '\\.')}/hello@sha256:[0-9a-f]{64}$`));

    const applied = await kedge(
      ['apply', '-f', writeFile(proc.dir, 'hello.yaml', manifest('hello', `${registry.host}/hello:v1`, 'Registry'))],
      proc.creds,
    );
    expect(applied.code, applied.stderr).toBe(0);
    const rev = await waitForObject(
      proc.apiUrl,
      REVISIONS,
      'hello-00001',
      (r: any) => r.status?.containerStatuses?.[0]?.imageDigest !== undefined,
    );
    expect(rev.spec.containers[0].image).toBe(`${registry.host}/hello:v1`);
    expect(rev.status.containerStatuses[0].imageDigest).toBe(ref);
    expect(rev.status.resolvedImage).toEqual({
      artifactType: WASM_CONFIG,
      component: sha256Digest(new Uint8Array(readFileSync(HELLO_WASM))),
    });
    await waitForObject(proc.apiUrl, SERVICES, 'hello', isReady);

    const r = await request(proc.gatewayUrl, `hello.${NS}.example.com`, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('Hello Registry!\n');
  }, 60_000);

  it('a tag the registry does not have: the Revision is Ready=False with ImageNotFound and how to push it', async () => {
    const applied = await kedge(
      ['apply', '-f', writeFile(proc.dir, 'missing.yaml', manifest('missing', `${registry.host}/hello:nope`, 'x'))],
      proc.creds,
    );
    expect(applied.stdout + applied.stderr).toContain('missing');
    const rev = await waitForObject(proc.apiUrl, REVISIONS, 'missing-00001', (o: any) =>
      o.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'False'),
    );
    const ready = rev.status.conditions.find((c: any) => c.type === 'Ready');
    expect(ready.reason).toBe('ImageNotFound');
    expect(ready.message).toContain(`Unable to fetch image "${registry.host}/hello:nope"`);
    expect(ready.message).toContain('kedge push');
  }, 60_000);

  it("kedge push FILE uploads to Kedge's store; kubectl deploys the printed reference", async () => {
    expectFiles([NEEDS_KUBECTL]);
    const pushed = await kedge(['push', HELLO_WASM], proc.creds);
    expect(pushed.code, pushed.stderr).toBe(0);
    const ref = pushed.stdout.trim();
    expect(ref).toBe(`helloworld.wasm@${sha256Digest(new Uint8Array(readFileSync(HELLO_WASM)))}`);

    const k = await kubectlFor(proc, NS);
    expect(k.printed.code, k.printed.stderr).toBe(0);
    const applied = await k.kubectl([
      'apply',
      '-f',
      writeFile(proc.dir, 'kube.yaml', manifest('kube', ref, 'kubectl')),
    ]);
    expect(applied.stdout, applied.stderr).toContain('service.serving.knative.dev/kube created');
    await waitForObject(proc.apiUrl, SERVICES, 'kube', isReady);
    const r = await request(proc.gatewayUrl, `kube.${NS}.example.com`, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('Hello kubectl!\n');
  }, 60_000);

  it('kedge push refuses a file that is not a component and a reference that names no registry', async () => {
    const notWasm = await kedge(['push', writeFile(proc.dir, 'x.wasm', 'not wasm'), `${registry.host}/x:v1`]);
    expect(notWasm.code).toBe(1);
    expect(notWasm.stderr).toContain('is not a WebAssembly component');
    const local = await kedge(['push', HELLO_WASM, 'hello:v1']);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('REF: "hello:v1" is not a registry reference');
  });
});
