import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_TOKEN_HEADER, HOPS_HEADER, type Route } from '@kedge/core';
import { harness, routeObject, type Harness } from './testing/harness.js';

const TOKEN = 'visibility-test-token-0123456789';
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A Route as the API writes it for `networking.knative.dev/visibility: cluster-local`: svc.cluster.local URLs. */
function privateRoute(url = 'http://private.ops.svc.cluster.local'): Route {
  const r = routeObject('ops', 'private', [{ revisionName: 'private-00001', percent: 100, tag: 'next' }]);
  r.metadata.labels = { 'networking.knative.dev/visibility': 'cluster-local' };
  r.status!.url = url;
  return r;
}

async function expectNoRoute(res: Response, host: string): Promise<void> {
  expect(res.status).toBe(404);
  expect(res.headers.get('content-type')).toContain('application/json');
  // Exactly what an unknown host gets: the outside cannot tell a private service exists.
  expect(await res.json()).toEqual({ error: 'no route for this host', host });
}

describe('cluster-local visibility (Knative networking.knative.dev/visibility)', () => {
  it('answers 404 JSON on the public path for *.svc and *.svc.cluster.local names; in-cluster callers reach them', async () => {
    h = await harness();
    h.runner.startInstance('default', 'hello-00001');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100, tag: 'v1' }]));
    for (const host of [
      'hello.default.svc.cluster.local',
      'hello.default.svc',
      'v1-hello.default.svc',
      'HELLO.default.svc.cluster.local.:8080',
    ]) {
      await expectNoRoute(await h.request(host), host);
      expect((await h.internal(host)).status).toBe(200);
    }
    // The public host of a public route stays public.
    expect((await h.request('hello.default.example.com')).status).toBe(200);
    expect((await h.request('v1-hello.default.example.com')).status).toBe(200);
  });

  it('hides every host of a Route labelled cluster-local, its tags and a custom domain included', async () => {
    h = await harness();
    h.runner.startInstance('ops', 'private-00001');
    await h.putRoute(privateRoute());
    for (const host of ['private.ops.svc.cluster.local', 'next-private.ops.svc.cluster.local', 'private.ops.svc']) {
      await expectNoRoute(await h.request(host), host);
      expect((await h.internal(host)).status).toBe(200);
    }
    // Even if its status named a public-looking host, the label decides.
    await h.putRoute(privateRoute('http://private.ops.example.com'));
    await expectNoRoute(await h.request('private.ops.example.com'), 'private.ops.example.com');
    expect((await h.internal('private.ops.example.com')).status).toBe(200);
  });

  it('treats a request with the cluster token as internal and never passes the token on', async () => {
    h = await harness({ gateway: { clusterToken: TOKEN } });
    h.runner.startInstance('ops', 'private-00001');
    await h.putRoute(privateRoute());
    const host = 'private.ops.svc.cluster.local';
    const ok = await h.request(host, '/', { headers: { [CLUSTER_TOKEN_HEADER]: TOKEN } });
    expect(ok.status).toBe(200);
    const seen = ((await ok.json()) as { headers: Record<string, string> }).headers;
    expect(seen[CLUSTER_TOKEN_HEADER]).toBeUndefined();
    for (const wrong of ['', 'x', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()])
      await expectNoRoute(await h.request(host, '/', { headers: { [CLUSTER_TOKEN_HEADER]: wrong } }), host);
    // On a public host the token is stripped too.
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    h.runner.startInstance('default', 'hello-00001');
    const pub = await h.request('hello.default.example.com', '/', { headers: { [CLUSTER_TOKEN_HEADER]: TOKEN } });
    expect(((await pub.json()) as { headers: Record<string, string> }).headers[CLUSTER_TOKEN_HEADER]).toBeUndefined();
  });

  it('strips a client-sent kedge-hops header; in-cluster callers (in process or with the token) keep their count', async () => {
    h = await harness({ gateway: { clusterToken: TOKEN } });
    h.runner.startInstance('default', 'hello-00001');
    await h.putRoute(routeObject('default', 'hello', [{ revisionName: 'hello-00001', percent: 100 }]));
    const host = 'hello.default.example.com';
    const seen = async (res: Response) => {
      expect(res.status).toBe(200);
      return ((await res.json()) as { headers: Record<string, string> }).headers[HOPS_HEADER];
    };
    // From outside: a count near the limit (or a forged one) would end the guest's own calls early.
    expect(await seen(await h.request(host, '/', { headers: { [HOPS_HEADER]: '16' } }))).toBeUndefined();
    expect(
      await seen(await h.request(host, '/', { headers: { [HOPS_HEADER]: '3', [CLUSTER_TOKEN_HEADER]: 'wrong' } })),
    ).toBeUndefined();
    expect(
      await seen(await h.request(host, '/', { headers: { [HOPS_HEADER]: '3', [CLUSTER_TOKEN_HEADER]: TOKEN } })),
    ).toBe('3');
    expect(await seen(await h.internal(host, '/', { headers: { [HOPS_HEADER]: '4' } }))).toBe('4');
  });

  it('without a configured token, no header makes a request internal', async () => {
    h = await harness();
    h.runner.startInstance('ops', 'private-00001');
    await h.putRoute(privateRoute());
    const host = 'private.ops.svc.cluster.local';
    for (const t of ['', 'undefined', TOKEN])
      await expectNoRoute(await h.request(host, '/', { headers: { [CLUSTER_TOKEN_HEADER]: t } }), host);
  });
});
