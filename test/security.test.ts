import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ROOT,
  apiFetch,
  kedge,
  pickPorts,
  request,
  requestWith,
  serviceYaml,
  servingPath,
  tempDir,
  useKedgeUp,
  writeFile,
} from './harness.js';
import { KUBECTL, NEEDS_KUBECTL, kubectlFor, run } from './kubectl.js';

// Issue 14: no web page can deploy code. The API takes writes only with the token `kedge up`
// generated, only in the content types kubectl and kedge send, only for its own Host and Origin;
// process revisions are off unless the operator turns them on. kedge and the real kubectl still work.

const SERVICES = servingPath('x', 'services');

/** The cross-site request, byte for byte what a browser sends from a page on evil.example. */
const PWN = JSON.stringify({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'pwn', namespace: 'x' },
  spec: { template: { spec: { containers: [{ image: 'l', command: ['/bin/sh', '-c', 'id>pwned.txt'] }] } } },
});

const rawPost = (apiUrl: string, path: string, headers: Record<string, string>, body: string) =>
  requestWith(apiUrl, headers, path, 'POST', body);

const service = (name: string, annotations: Record<string, string> = {}) =>
  serviceYaml(name, 'x', `hello.wasm@sha256:${'b'.repeat(64)}`, { annotations, target: false });

describe('API security with kedge up', () => {
  const proc = useKedgeUp('kedge-security-', { needs: [NEEDS_KUBECTL] });
  const { dataDir } = proc;

  const stored = async () => {
    const res = await fetch(`${proc.apiUrl}${SERVICES}`);
    return ((await res.json()) as { items: { metadata: { name: string } }[] }).items.map((s) => s.metadata.name);
  };

  it('generates the token at first start, readable by its owner only', () => {
    const st = statSync(join(dataDir, 'token'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(proc.creds.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(proc.output()).toContain(`token    ${join(dataDir, 'token')}`);
  });

  it("refuses the issue's cross-site request (4xx) and stores nothing", async () => {
    const r = await rawPost(
      proc.apiUrl,
      SERVICES,
      { 'content-type': 'text/plain', origin: 'http://evil.example' },
      PWN,
    );
    expect(r.status).toBe(403);
    const plain = await rawPost(proc.apiUrl, SERVICES, { 'content-type': 'text/plain' }, PWN);
    expect(plain.status).toBe(401);
    expect(JSON.parse(plain.body)).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
    const rebound = await rawPost(
      proc.apiUrl,
      SERVICES,
      { host: `evil.example:${new URL(proc.apiUrl).port}`, 'content-type': 'application/json' },
      PWN,
    );
    expect(rebound.status).toBe(421);
    expect(await stored()).toEqual([]);
  });

  it('refuses a process revision even with the token while the feature is off, saying how to enable it', async () => {
    const res = await apiFetch(proc.creds, SERVICES, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: PWN,
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { message: string; details: { causes: { field: string }[] } };
    expect(body.details.causes.map((c) => c.field)).toEqual(['spec.template.spec.containers[0].command']);
    expect(body.message).toContain('--allow-process-revisions');
    const cli = await kedge(['apply', '-f', join(ROOT, 'examples/helloworld-node/service.yaml')], proc.creds);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('kedge.process-revisions: enabled');
  });

  it('kedge apply without the token fails loudly with the server message', async () => {
    const file = writeFile(proc.dir, 'anon.yaml', service('anon'));
    const r = await kedge(['apply', '-f', file], { api: proc.apiUrl });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Unauthorized');
    expect(await stored()).toEqual([]);
  });

  it('kedge apply with the token works and prints the API warnings', async () => {
    const file = writeFile(proc.dir, 'warm.yaml', service('warm', { 'kedge.dev/warm-instances': '999' }));
    // Its image is a digest no one uploaded: stored, but never Ready (apply would wait and fail).
    const r = await kedge(['apply', '--no-wait', '-f', file], proc.creds);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service.serving.knative.dev/warm created');
    expect(r.stderr).toContain(
      'Warning: spec.template.metadata.annotations.kedge.dev/warm-instances: 999 is above the most Kedge keeps',
    );
    const del = await kedge(['delete', 'service', 'warm', '-n', 'x'], proc.creds);
    expect(del.code).toBe(0);
  });

  it('kubectl works with the kubeconfig kedge prints: apply, get, patch, delete, warnings', async () => {
    // As a user would, from the data directory: the token and the API's certificate beside it.
    const { printed, kubectl: kube } = await kubectlFor(proc, 'x');
    const kubectl = (...args: string[]) => kube(args);
    expect(printed.code).toBe(0);
    // kubectl sends a token only over TLS: the same port answers https with the certificate in the kubeconfig.
    expect(printed.stdout).toContain(`server: ${proc.apiUrl.replace('http:', 'https:')}`);
    expect(printed.stdout).toContain('certificate-authority-data: ');

    const file = writeFile(proc.dir, 'kube.yaml', service('kube', { 'kedge.dev/warm-instances': '999' }));
    const applied = await kubectl('apply', '-f', file);
    expect(applied.stderr).toContain('Warning: spec.template.metadata.annotations.kedge.dev/warm-instances');
    expect(applied.stdout).toContain('service.serving.knative.dev/kube created');
    expect(applied.code).toBe(0);

    const got = await kubectl('get', 'ksvc', 'kube', '-o', 'jsonpath={.metadata.name}');
    expect(got.stdout).toBe('kube');
    const labelled = await kubectl('label', 'ksvc', 'kube', 'team=a');
    expect(labelled.code).toBe(0);
    const patched = await kubectl(
      'patch',
      'ksvc',
      'kube',
      '--type=merge',
      '-p',
      '{"metadata":{"annotations":{"a":"b"}}}',
    );
    expect(patched.code).toBe(0);
    const again = await kubectl('apply', '-f', writeFile(proc.dir, 'kube2.yaml', service('kube')));
    expect(again.stdout).toContain('service.serving.knative.dev/kube configured');
    const deleted = await kubectl('delete', 'ksvc', 'kube', '--wait=false');
    expect(deleted.stdout).toContain('deleted');
    expect(await stored()).toEqual([]);
  });

  it('kubectl without the token is refused as Unauthorized', async () => {
    const r = await run(
      KUBECTL,
      [
        '--server',
        proc.apiUrl,
        '--cache-dir',
        join(proc.dir, 'kube-cache-anon'),
        'apply',
        '--validate=false',
        '-f',
        writeFile(proc.dir, 'anon2.yaml', service('anon2')),
      ],
      {
        KUBECONFIG: join(proc.dir, 'no-such-kubeconfig'),
      },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unauthorized/);
    expect(await stored()).toEqual([]);
  });
});

describe('kedge up --config: ConfigMaps stored at start are checked as the API checks them', () => {
  const tmp = tempDir('kedge-config-');
  afterAll(() => tmp.cleanup());

  it('refuses stable-window: -1s before starting, naming the file and the field', async () => {
    const file = writeFile(
      tmp.dir,
      'config.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-autoscaler\n  namespace: knative-serving\ndata:\n  stable-window: "-1s"\n',
    );
    const ports = await pickPorts();
    const r = await kedge([
      'up',
      '--http-port',
      String(ports.http),
      '--api-port',
      String(ports.api),
      '--data-dir',
      join(tmp.dir, 'data'),
      '--config',
      file,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: document 1: data.stable-window: -1s, must be in [6s; 1h0m0s] range`);
  });
});

describe('kedge up --allow-process-revisions', () => {
  const proc = useKedgeUp('kedge-process-', {
    extra: ['--allow-process-revisions', '--apply', join(ROOT, 'examples/helloworld-node/service.yaml')],
  });

  it('deploys the process example with --apply and serves it', async () => {
    expect(proc.output()).toContain('created  Service example/helloworld-node');
    const cm = (await (
      await fetch(`${proc.apiUrl}/api/v1/namespaces/knative-serving/configmaps/config-features`)
    ).json()) as { data: Record<string, string> };
    expect(cm.data['kedge.process-revisions']).toBe('enabled');
    const { body } = await request(proc.gatewayUrl, 'helloworld-node.example.example.com');
    expect(body).toBe('Hello Node!\n');
  }, 60_000);
});
