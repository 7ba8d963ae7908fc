import { beforeEach, describe, expect, it } from 'vitest';
import type { DomainMapping } from '@kedge/core';
import { makeCertificate } from '@kedge/core/testing';
import { COMPONENT, apiPerTest, callFetch } from '../../test-support/harness.js';

const NS = 'example';
const DM_BASE = (ns: string) => `/apis/serving.knative.dev/v1beta1/namespaces/${ns}/domainmappings`;

// No runner here: a Revision is Ready once one has loaded its image, so say it did.
const env = apiPerTest('kedge-dm-', { loaded: true });
let image: string;

const call = (method: string, path: string, body?: unknown, contentType = 'application/json') =>
  callFetch(env.api.fetch, method, path, body, { 'content-type': contentType });

async function create(path: string, obj: unknown) {
  const res = await call('POST', path, obj);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await env.api.idle();
  return res.body;
}

const service = (name: string) => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { template: { spec: { containers: [{ image }] } } },
});
const mapping = (name: string, ref: Record<string, unknown>, extra: Record<string, unknown> = {}, ns = NS) => ({
  apiVersion: 'serving.knative.dev/v1beta1',
  kind: 'DomainMapping',
  metadata: { name, namespace: ns },
  spec: { ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', ...ref }, ...extra },
});
const dmOf = (name: string, ns = NS) =>
  env.store.get('DomainMapping', ns, name) as unknown as Promise<DomainMapping | undefined>;
const conditions = (dm: DomainMapping | undefined) =>
  Object.fromEntries(
    (dm?.status?.conditions ?? []).map((c) => [c.type, [c.status, c.reason, c.message].filter(Boolean).join(' | ')]),
  );

beforeEach(async () => {
  const up = await call('PUT', '/apis/kedge.dev/v1/blobs', COMPONENT, 'application/wasm');
  image = `hello.wasm@${up.body.digest}`;
});

describe('DomainMapping (serving.knative.dev/v1beta1)', () => {
  it("maps a domain to a Service: Knative's conditions, status.url and address", async () => {
    await create(`/apis/serving.knative.dev/v1/namespaces/${NS}/services`, service('hello'));
    const created = await create(DM_BASE(NS), mapping('app.test', { name: 'hello' }));
    expect(created.spec.ref.namespace).toBe(NS);
    const dm = await dmOf('app.test');
    expect(dm?.status).toMatchObject({
      url: 'http://app.test',
      address: { url: 'http://app.test' },
      observedGeneration: 1,
    });
    expect(conditions(dm)).toEqual({
      Ready: 'True',
      DomainClaimed: 'True',
      ReferenceResolved: 'True',
      IngressReady: 'True',
      CertificateProvisioned: 'True | TLSNotEnabled | autoTLS is not enabled',
    });
    const table = await env.api.fetch(
      new Request(`http://api${DM_BASE(NS)}`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } }),
    );
    const t = (await table.json()) as any;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'URL', 'Ready', 'Reason']);
    expect(t.rows[0].cells).toEqual(['app.test', 'http://app.test', 'True', '']);
  });

  it('waits for a Service that does not exist yet, then resolves it when it appears', async () => {
    await create(DM_BASE(NS), mapping('later.test', { name: 'later' }));
    expect(conditions(await dmOf('later.test'))).toMatchObject({
      Ready:
        'False | ResolveFailed | failed to get object example/later: services.serving.knative.dev "later" not found',
      ReferenceResolved:
        'False | ResolveFailed | failed to get object example/later: services.serving.knative.dev "later" not found',
    });
    await create(`/apis/serving.knative.dev/v1/namespaces/${NS}/services`, service('later'));
    expect(conditions(await dmOf('later.test')).Ready).toBe('True');
  });

  it('refuses a ref that is not an Addressable Kedge serves', async () => {
    await create(DM_BASE(NS), mapping('rev.test', { kind: 'Revision', name: 'hello-00001' }));
    expect(conditions(await dmOf('rev.test')).ReferenceResolved).toBe(
      'False | ResolveFailed | Revision (serving.knative.dev/v1) is not an Addressable Kedge serves: use a Service or Route of serving.knative.dev/v1',
    );
  });

  it('terminates TLS with a kubernetes.io/tls Secret: not Ready until the Secret exists, https URL', async () => {
    await create(`/apis/serving.knative.dev/v1/namespaces/${NS}/services`, service('hello'));
    await create(DM_BASE(NS), mapping('secure.test', { name: 'hello' }, { tls: { secretName: 'secure-tls' } }));
    let dm = await dmOf('secure.test');
    expect(dm?.status?.url).toBe('https://secure.test');
    expect(conditions(dm).CertificateProvisioned).toBe(
      'False | SecretMissing | Secret "secure-tls" not found in namespace "example".',
    );
    expect(conditions(dm).Ready).toMatch(/^False \| SecretMissing/);
    await create(`/api/v1/namespaces/${NS}/secrets`, makeCertificate(['secure.test']).secret('secure-tls', NS));
    dm = await dmOf('secure.test');
    expect(conditions(dm)).toMatchObject({
      Ready: 'True',
      CertificateProvisioned: 'True | CertificateExternallyProvided | TLS certificate was provided externally',
    });
  });

  it('gives a domain to the namespace that mapped it first; the other gets it when the first lets go', async () => {
    await create(`/apis/serving.knative.dev/v1/namespaces/${NS}/services`, service('hello'));
    await create(DM_BASE(NS), mapping('shared.test', { name: 'hello' }));
    env.clock.advance(1000);
    await create(DM_BASE('other'), mapping('shared.test', { name: 'hello' }, {}, 'other'));
    expect(conditions(await dmOf('shared.test', 'other')).DomainClaimed).toBe(
      'False | DomainAlreadyClaimed | The domain name is already in use by another DomainMapping',
    );
    expect(conditions(await dmOf('shared.test')).DomainClaimed).toBe('True');
    expect((await call('DELETE', `${DM_BASE(NS)}/shared.test`)).status).toBe(200);
    await env.api.idle();
    expect(conditions(await dmOf('shared.test', 'other')).DomainClaimed).toBe('True');
  });

  it('answers validation errors with field paths', async () => {
    const res = await call('POST', DM_BASE(NS), mapping('app', { name: '', namespace: 'other' }, { tls: {} }));
    expect(res.status).toBe(422);
    expect(res.body.details.causes.map((c: any) => c.field)).toEqual([
      'metadata.name',
      'spec.ref.name',
      'spec.ref.namespace',
      'spec.tls.secretName',
    ]);
    expect(res.body.message).toContain(
      'spec.ref.namespace: mismatched namespaces: parent namespace: "example" does not match ref: "other"',
    );
  });
});
