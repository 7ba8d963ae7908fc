import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest, WASM_CONFIG } from '@kedge/core';
import { startDockerRegistry, type DockerRegistry } from '@kedge/core/testing';
import {
  ROOT,
  kedge,
  pickPorts,
  request,
  startKedge,
  tempDir,
  waitForObject,
  writeFile,
  type KedgeProcess,
} from './harness.js';

// A component published with `kedge push` to a real registry (Debian's docker-registry, distribution 2.8) is
// deployed by `image: 127.0.0.1:PORT/hello:v1`, resolved to its digest on the Revision (Knative's tag-to-digest
// resolution, docs/api.md) and served; one uploaded to Kedge's own store with `kedge push FILE` is deployed by
// the real kubectl with the reference push printed.

const WASM = join(ROOT, 'examples/helloworld/build/helloworld.wasm');
const NS = 'example';
const SERVICES = `/apis/serving.knative.dev/v1/namespaces/${NS}/services`;
const REVISIONS = `/apis/serving.knative.dev/v1/namespaces/${NS}/revisions`;
const KUBECTL =
  process.env.KUBECTL ??
  (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'kubectl'))
    .find((p) => existsSync(p)) ??
  'kubectl';
const isReady = (o: any) => o.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

function manifest(name: string, image: string, target: string): string {
  return `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: ${name}
  namespace: ${NS}
spec:
  template:
    spec:
      containers:
        - image: ${image}
          env:
            - name: TARGET
              value: "${target}"
`;
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('components from an OCI registry and kedge push', () => {
  const tmp = tempDir('kedge-registry-e2e-');
  const dataDir = join(tmp.dir, 'data');
  let registry: DockerRegistry;
  let proc: KedgeProcess;

  beforeAll(async () => {
    expect(existsSync(WASM), `${WASM} missing: npm run build makes it`).toBe(true);
    registry = await startDockerRegistry();
    proc = await startKedge({ ports: await pickPorts(), dataDir });
  }, 60_000);

  afterAll(async () => {
    await proc?.stop();
    await registry?.stop();
    tmp.cleanup();
  });

  it('kedge push FILE REF publishes to the registry; image: REF is resolved to that digest and served', async () => {
    const pushed = await kedge(['push', WASM, `${registry.host}/hello:v1`]);
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    const ref = pushed.stdout.trim();
    expect(ref).toMatch(new RegExp(`^${registry.host.replace(/\./g, '\\.')}/hello@sha256:[0-9a-f]{64}$`));

    const applied = await kedge(
      ['apply', '-f', writeFile(tmp.dir, 'hello.yaml', manifest('hello', `${registry.host}/hello:v1`, 'Registry'))],
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
      component: sha256Digest(new Uint8Array(readFileSync(WASM))),
    });
    await waitForObject(proc.apiUrl, SERVICES, 'hello', isReady);

    const r = await request(proc.gatewayUrl, `hello.${NS}.example.com`, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('Hello Registry!\n');
  }, 60_000);

  it('a tag the registry does not have: the Revision is Ready=False with ImageNotFound and how to push it', async () => {
    const applied = await kedge(
      ['apply', '-f', writeFile(tmp.dir, 'missing.yaml', manifest('missing', `${registry.host}/hello:nope`, 'x'))],
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
    expect(existsSync(KUBECTL), 'kubectl must be installed for this test (or $KUBECTL set)').toBe(true);
    const pushed = await kedge(['push', WASM], proc.creds);
    expect(pushed.code, pushed.stderr).toBe(0);
    const ref = pushed.stdout.trim();
    expect(ref).toBe(`helloworld.wasm@${sha256Digest(new Uint8Array(readFileSync(WASM)))}`);

    const printed = await kedge(['--token-file', join(dataDir, 'token'), 'config', 'kubeconfig', '-n', NS], {
      api: proc.apiUrl,
    });
    expect(printed.code, printed.stderr).toBe(0);
    const kubeconfig = writeFile(tmp.dir, 'kubeconfig', printed.stdout);
    const applied = await run(KUBECTL, [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      join(tmp.dir, 'kube-cache'),
      'apply',
      '-f',
      writeFile(tmp.dir, 'kube.yaml', manifest('kube', ref, 'kubectl')),
    ]);
    expect(applied.stdout, applied.stderr).toContain('service.serving.knative.dev/kube created');
    await waitForObject(proc.apiUrl, SERVICES, 'kube', isReady);
    const r = await request(proc.gatewayUrl, `kube.${NS}.example.com`, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('Hello kubectl!\n');
  }, 60_000);

  it('kedge push refuses a file that is not a component and a reference that names no registry', async () => {
    const notWasm = await kedge(['push', writeFile(tmp.dir, 'x.wasm', 'not wasm'), `${registry.host}/x:v1`]);
    expect(notWasm.code).toBe(1);
    expect(notWasm.stderr).toContain('is not a WebAssembly component');
    const local = await kedge(['push', WASM, 'hello:v1']);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('REF: "hello:v1" is not a registry reference');
  });
});
