import { beforeEach, describe, expect, it } from 'vitest';
import { readResponse, restAppPerTest } from '../../test-support/harness.js';
import { checkAccess, guardFetch } from './access.js';

const TOKEN = 'k3dg3-t0k3n-for-the-access-tests';
const HOST = '127.0.0.1:8090';
const SERVICES = '/apis/serving.knative.dev/v1/namespaces/x/services';

/** The body of the issue's cross-site request: a process revision that runs a shell command. */
const PWN = JSON.stringify({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'pwn', namespace: 'x' },
  spec: { template: { spec: { containers: [{ image: 'l', command: ['/bin/sh', '-c', 'id>pwned.txt'] }] } } },
});
const HELLO = JSON.stringify({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace: 'x' },
  spec: { template: { spec: { containers: [{ image: `hello.wasm@sha256:${'a'.repeat(64)}` }] } } },
});

const rest = restAppPerTest('kedge-access-');
let fetchApi: (req: Request) => Promise<Response>;

beforeEach(() => {
  const { app } = rest;
  fetchApi = guardFetch({ token: TOKEN, hosts: ['127.0.0.1'] }, (req) => app.fetch(req));
});

async function call(method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array) {
  const res = await fetchApi(
    new Request(`http://${HOST}${path}`, {
      method,
      headers: { host: HOST, ...headers },
      ...(body !== undefined ? { body } : {}),
    }),
  );
  return readResponse(res);
}

const auth = { authorization: `Bearer ${TOKEN}` };
const stored = async () => (await rest.store.list('Service')).items.map((s) => s.metadata.name);

describe('the cross-site request from the issue', () => {
  it('is refused (text/plain, evil Origin, no token) and nothing is stored', async () => {
    const r = await call('POST', SERVICES, { 'content-type': 'text/plain', origin: 'http://evil.example' }, PWN);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', code: 403, reason: 'Forbidden' });
    expect(await stored()).toEqual([]);
  });

  it('is refused without the Origin header too: no token → 401 Status', async () => {
    const r = await call('POST', SERVICES, { 'content-type': 'text/plain' }, PWN);
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await stored()).toEqual([]);
  });
});

describe('writes need the token', () => {
  it.each([
    ['POST', SERVICES],
    ['PUT', `${SERVICES}/hello`],
    ['PATCH', `${SERVICES}/hello`],
    ['DELETE', `${SERVICES}/hello`],
    ['PUT', '/apis/kedge.dev/v1/blobs'],
    ['POST', '/apis/kedge.dev/v1/namespaces/x/revisions/hello-00001/scale'],
  ])('%s %s without a token → 401', async (method, path) => {
    const r = await call(method, path, { 'content-type': 'application/json' }, HELLO);
    expect(r.status).toBe(401);
    expect(r.body.reason).toBe('Unauthorized');
  });

  it('refuses a wrong token, accepts the right one', async () => {
    const wrong = await call(
      'POST',
      SERVICES,
      { 'content-type': 'application/json', authorization: `Bearer ${TOKEN.replace('k', 'K')}` },
      HELLO,
    );
    expect(wrong.status).toBe(401);
    const basic = await call(
      'POST',
      SERVICES,
      { 'content-type': 'application/json', authorization: `Basic ${btoa(`x:${TOKEN}`)}` },
      HELLO,
    );
    expect(basic.status).toBe(401);
    const ok = await call('POST', SERVICES, { 'content-type': 'application/json', ...auth }, HELLO);
    expect(ok.status).toBe(201);
    expect(await stored()).toEqual(['hello']);
  });

  it('leaves reads open on loopback', async () => {
    expect((await call('GET', SERVICES, {})).status).toBe(200);
    expect((await call('GET', '/version', {})).status).toBe(200);
  });

  it('authenticates reads too when asked to (a non-loopback listener)', async () => {
    const app = fetchApi;
    fetchApi = guardFetch({ token: TOKEN, authenticateReads: true }, app);
    expect((await call('GET', SERVICES, {})).status).toBe(401);
    expect((await call('GET', SERVICES, auth)).status).toBe(200);
  });
});

describe('content types', () => {
  it.each([
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
  ])('refuses a write sent as %s, even with the token (415)', async (type) => {
    const r = await call('POST', SERVICES, { 'content-type': type, ...auth }, HELLO);
    expect(r.status).toBe(415);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
    expect(await stored()).toEqual([]);
  });

  it('refuses a body without a content type (a browser sends a Blob that way)', async () => {
    const r = await call('POST', SERVICES, auth, HELLO);
    expect(r.status).toBe(415);
  });

  it('accepts YAML and the patch types kubectl sends', async () => {
    expect((await call('POST', SERVICES, { 'content-type': 'application/yaml', ...auth }, HELLO)).status).toBe(201);
    const merge = await call(
      'PATCH',
      `${SERVICES}/hello`,
      { 'content-type': 'application/merge-patch+json', ...auth },
      '{"metadata":{"labels":{"a":"b"}}}',
    );
    expect(merge.status).toBe(200);
    const json = await call(
      'PATCH',
      `${SERVICES}/hello`,
      { 'content-type': 'application/json-patch+json', ...auth },
      '[{"op":"add","path":"/metadata/labels/c","value":"d"}]',
    );
    expect(json.status).toBe(200);
    expect(json.body.metadata.labels).toEqual({ a: 'b', c: 'd' });
  });

  it('takes the component upload as application/wasm, not as a form', async () => {
    const garbage = new Uint8Array([1, 2, 3]);
    expect(
      (await call('PUT', '/apis/kedge.dev/v1/blobs', { 'content-type': 'application/wasm', ...auth }, garbage)).status,
    ).toBe(400);
    expect(
      (await call('PUT', '/apis/kedge.dev/v1/blobs', { 'content-type': 'text/plain', ...auth }, garbage)).status,
    ).toBe(415);
  });

  it('lets a bodiless DELETE through without a content type', async () => {
    await call('POST', SERVICES, { 'content-type': 'application/json', ...auth }, HELLO);
    const r = await call('DELETE', `${SERVICES}/hello`, auth);
    expect(r.status).toBe(200);
    expect(await stored()).toEqual([]);
  });
});

describe('Host and Origin (DNS rebinding, cross-site reads)', () => {
  it.each(['evil.example:8090', 'evil.example', 'localhost.evil.example:8090'])(
    'refuses Host %s for reads and writes (421)',
    async (host) => {
      const read = await call('GET', SERVICES, { host });
      expect(read.status).toBe(421);
      expect(read.body).toMatchObject({ kind: 'Status', code: 421, reason: 'MisdirectedRequest' });
      const write = await call('POST', SERVICES, { host, 'content-type': 'application/json', ...auth }, HELLO);
      expect(write.status).toBe(421);
      expect(await stored()).toEqual([]);
    },
  );

  it.each(['127.0.0.1:8090', 'localhost:8090', 'localhost', '[::1]:8090', '10.1.2.3:8090'])(
    'accepts Host %s',
    async (host) => {
      expect((await call('GET', SERVICES, { host })).status).toBe(200);
    },
  );

  it('refuses an Origin that is not the API, accepts its own', async () => {
    const other = await call('GET', SERVICES, { origin: 'http://127.0.0.1:3000' });
    expect(other.status).toBe(403);
    const nullOrigin = await call(
      'POST',
      SERVICES,
      { origin: 'null', 'content-type': 'application/json', ...auth },
      HELLO,
    );
    expect(nullOrigin.status).toBe(403);
    const own = await call(
      'POST',
      SERVICES,
      { origin: `http://${HOST}`, 'content-type': 'application/json', ...auth },
      HELLO,
    );
    expect(own.status).toBe(201);
  });
});

describe('Secrets hold credentials: reading them needs the token too', () => {
  const SECRETS = '/api/v1/namespaces/x/secrets';
  const SECRET = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'x' },
    stringData: { password: 'hunter2' },
  });

  it('refuses anonymous gets, lists, watches and encoded paths of secrets; other kinds stay readable', async () => {
    expect((await call('POST', SECRETS, { ...auth, 'content-type': 'application/json' }, SECRET)).status).toBe(201);
    const paths = [
      `${SECRETS}/s`,
      SECRETS,
      '/api/v1/secrets',
      `${SECRETS}?watch=true`,
      '/api/v1/namespaces/x/secret%73/s',
      '/api/v1//namespaces/x/secrets/s',
    ];
    for (const path of paths) {
      const r = await call('GET', path, {});
      expect(r.status, path).toBe(401);
      expect(JSON.stringify(r.body)).not.toContain(Buffer.from('hunter2').toString('base64'));
    }
    expect((await call('GET', SERVICES, {})).status).toBe(200);
    const withToken = await call('GET', `${SECRETS}/s`, auth);
    expect(withToken.body.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
  });
});

describe('the dashboard page under the guard', () => {
  const reach = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    checkAccess(new Request(`http://${HOST}${path}`, { method, headers: { host: HOST, ...headers } }), {
      token: TOKEN,
      authenticateReads: true,
    });

  it('serves the page files without the token even when reads need it (a navigation carries no header)', () => {
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/dashboard.js', '/dashboard/dashboard.css'])
      expect(reach(path)).toBeUndefined();
  });

  it('keeps the token for everything with data, and the Host and Origin checks for the page too', () => {
    expect(reach('/apis/kedge.dev/v1/stats')?.reason).toBe('Unauthorized');
    expect(reach('/dashboard/other.js')?.reason).toBe('Unauthorized');
    expect(reach('/dashboard', {}, 'POST')?.reason).toBe('Unauthorized');
    expect(reach('/dashboard', { origin: 'http://evil.example' })?.reason).toBe('Forbidden');
    expect(
      checkAccess(new Request('http://evil.example/dashboard', { headers: { host: 'evil.example' } }), { token: TOKEN })
        ?.reason,
    ).toBe('MisdirectedRequest');
    expect(reach('/apis/kedge.dev/v1/stats', { authorization: `Bearer ${TOKEN}` })).toBeUndefined();
  });
});
