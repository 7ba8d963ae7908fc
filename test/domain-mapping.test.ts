import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, makeCertificate, type TestCertificate } from '@kedge/core/testing';
import {
  HELLO_MANIFEST,
  HELLO_WASM,
  isReady,
  kedge,
  onPath,
  servingPath,
  useKedgeUp,
  waitForObject,
  writeFile,
} from './harness.js';
import { NEEDS_KUBECTL, kubectlFor, run } from './kubectl.js';

// A DomainMapping (serving.knative.dev/v1beta1, docs/api.md) serves a Service under a custom domain,
// over TLS with the certificate of a kubernetes.io/tls Secret picked by SNI, with config-network's
// http-protocol deciding what plain HTTP gets. Certificates are made here (openssl), curl does the asking.

const CURL = onPath('curl');
const DOMAIN_MAPPINGS = servingPath('example', 'domainmappings', 'v1beta1');

const mapping = (domain: string, secretName: string) => `apiVersion: serving.knative.dev/v1beta1
kind: DomainMapping
metadata:
  name: ${domain}
  namespace: example
spec:
  ref:
    apiVersion: serving.knative.dev/v1
    kind: Service
    name: helloworld
  tls:
    secretName: ${secretName}
`;

const networkConfig = (protocol: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-network
  namespace: knative-serving
data:
  http-protocol: ${protocol}
`;

describe('DomainMapping with TLS at the gateway (kedge up, curl, kubectl)', () => {
  let httpsPort: number;
  const proc = useKedgeUp('kedge-dm-e2e-', {
    needs: [NEEDS_KUBECTL, [CURL, 'curl must be installed for this test'], HELLO_WASM],
    extra: async () => ['--https-port', String((httpsPort = await freePort()))],
  });
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  let app: TestCertificate;
  let two: TestCertificate;
  const kubectl = (...args: string[]) => k.kubectl(args);
  /** curl as the issue asks: the domain resolved to the gateway on 127.0.0.1, trusting only `ca`. */
  const curlHttps = (domain: string, ca: string, path = '/') =>
    run(CURL, [
      '-sS',
      '--max-time',
      '10',
      '--resolve',
      `${domain}:${httpsPort}:127.0.0.1`,
      `https://${domain}:${httpsPort}${path}`,
      '--cacert',
      ca,
    ]);
  const caFile = (name: string, cert: TestCertificate) => writeFile(proc.dir, `${name}.crt`, cert.cert);
  const whenReady = (domain: string) => waitForObject(proc.apiUrl, DOMAIN_MAPPINGS, domain, isReady);

  beforeAll(async () => {
    k = await kubectlFor(proc, 'example');
    expect(k.printed.code, k.printed.stderr).toBe(0);
    expect((await kedge(['apply', '-f', HELLO_MANIFEST], proc.creds)).code).toBe(0);
    app = makeCertificate(['app.test']);
    two = makeCertificate(['two.test']);
  });

  it('prints the HTTPS address once ready', () => {
    expect(proc.output()).toContain(`https    https://127.0.0.1:${httpsPort}`);
  });

  it('serves app.test over https with the certificate of its Secret (kedge apply of Secret + DomainMapping)', async () => {
    const manifest = writeFile(
      proc.dir,
      'app.yaml',
      `${JSON.stringify(app.secret('app-tls', 'example'))}\n---\n${mapping('app.test', 'app-tls')}`,
    );
    const applied = await kedge(['apply', '-f', manifest], proc.creds);
    expect(applied.code, applied.stderr).toBe(0);
    const dm = await whenReady('app.test');
    expect(dm.status.url).toBe('https://app.test');
    const res = await curlHttps('app.test', caFile('app', app));
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('Hello Kedge!\n');
  });

  it('serves a second domain with its own certificate, chosen by SNI (kubectl create secret tls | kubectl apply)', async () => {
    // kubectl's `create` sends built-in kinds as protobuf, which Kedge does not speak; its manifest, applied, is JSON.
    const secret = await kubectl(
      'create',
      'secret',
      'tls',
      'two-tls',
      '--cert',
      caFile('two', two),
      '--key',
      writeFile(proc.dir, 'two.key', two.key),
      '--dry-run=client',
      '-o',
      'yaml',
    );
    expect(secret.code, secret.stderr).toBe(0);
    const created = await kubectl('apply', '-f', writeFile(proc.dir, 'two-tls.yaml', secret.stdout));
    expect(created.code, created.stderr).toBe(0);
    const applied = await kubectl('apply', '-f', writeFile(proc.dir, 'two.yaml', mapping('two.test', 'two-tls')));
    expect(applied.code, applied.stderr).toBe(0);
    await whenReady('two.test');
    expect((await curlHttps('two.test', caFile('two', two))).stdout).toBe('Hello Kedge!\n');
    // The certificate two.test is served with is not app.test's: trusting only app.test's fails the handshake.
    const wrong = await curlHttps('two.test', caFile('app', app));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).toBe('');
  });

  it('kubectl lists domainmappings with their URL and readiness, and secrets without their data', async () => {
    const got = await kubectl('get', 'domainmappings');
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(/^NAME\s+URL\s+READY\s+REASON\s*\n/);
    expect(got.stdout).toMatch(/app\.test\s+https:\/\/app\.test\s+True/);
    expect(got.stdout).toMatch(/two\.test\s+https:\/\/two\.test\s+True/);
    const secrets = await kubectl('get', 'secrets');
    expect(secrets.stdout).toMatch(/^NAME\s+TYPE\s+DATA/);
    expect(secrets.stdout).toMatch(/app-tls\s+kubernetes\.io\/tls\s+2/);
    expect(secrets.stdout).not.toContain(Buffer.from(app.key).toString('base64').slice(0, 40));
    // Reading a Secret needs the API's token, as writing does.
    const anonymous = await fetch(`${proc.apiUrl}/api/v1/namespaces/example/secrets/app-tls`);
    expect(anonymous.status).toBe(401);
  });

  it('reloads a certificate when its Secret changes, without a restart', async () => {
    const renewed = makeCertificate(['app.test']);
    const applied = await kedge(
      ['apply', '-f', writeFile(proc.dir, 'renew.json', JSON.stringify(renewed.secret('app-tls', 'example')))],
      proc.creds,
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect((await curlHttps('app.test', caFile('renewed', renewed))).stdout).toBe('Hello Kedge!\n');
    expect((await curlHttps('app.test', caFile('app', app))).code).not.toBe(0);
  });

  it('serves plain http for the domain while http-protocol is Enabled, redirects it once Redirected', async () => {
    const http = (path: string) =>
      run(CURL, [
        '-sS',
        '--max-time',
        '10',
        '-o',
        '-',
        '-w',
        '\n%{http_code} %{redirect_url}',
        '-H',
        'Host: app.test',
        `${proc.gatewayUrl}${path}`,
      ]);
    expect((await http('/')).stdout).toBe('Hello Kedge!\n\n200 ');
    const applied = await kedge(
      ['apply', '-f', writeFile(proc.dir, 'network.yaml', networkConfig('Redirected'))],
      proc.creds,
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect((await http('/x?y=1')).stdout).toBe(`\n301 https://app.test:${httpsPort}/x?y=1`);
  });

  it('refuses an invalid DomainMapping naming each bad field', async () => {
    const bad = `apiVersion: serving.knative.dev/v1beta1
kind: DomainMapping
metadata:
  name: nodots
  namespace: example
spec:
  ref:
    apiVersion: serving.knative.dev/v1
    kind: Service
    namespace: elsewhere
  tls: {}
`;
    const res = await kubectl('apply', '-f', writeFile(proc.dir, 'bad.yaml', bad));
    expect(res.code).not.toBe(0);
    for (const field of ['metadata.name', 'spec.ref.name', 'spec.ref.namespace', 'spec.tls.secretName'])
      expect(res.stderr).toContain(field);
    expect(res.stderr).toContain('should be a domain with at least two segments separated by dots');
  });
});
