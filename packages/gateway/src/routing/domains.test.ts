import { describe, expect, it } from 'vitest';
import type { DomainMapping } from '@kedge/core';
import { plainHttpAnswer } from '../tls/http-protocol.js';
import { DomainTable } from './domains.js';

function dm(
  name: string,
  ns: string,
  ready: { claimed?: boolean; resolved?: boolean } = {},
  secretName?: string,
): DomainMapping {
  const st = (b: boolean | undefined) => (b === false ? 'False' : 'True');
  return {
    apiVersion: 'serving.knative.dev/v1beta1',
    kind: 'DomainMapping',
    metadata: { name, namespace: ns },
    spec: {
      ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello', namespace: ns },
      ...(secretName ? { tls: { secretName } } : {}),
    },
    status: {
      conditions: [
        { type: 'DomainClaimed', status: st(ready.claimed) },
        { type: 'ReferenceResolved', status: st(ready.resolved) },
      ],
    },
  };
}

describe('DomainTable', () => {
  it('serves a mapping only while it holds its domain and its ref resolved; host case and port do not matter', () => {
    const t = new DomainTable();
    t.upsert(dm('app.test', 'a', {}, 'app-tls'));
    expect(t.lookup('APP.test:8443')).toEqual({
      domain: 'app.test',
      namespace: 'a',
      route: 'hello',
      secretName: 'app-tls',
    });
    t.upsert(dm('app.test', 'a', { resolved: false }));
    expect(t.lookup('app.test')).toBeUndefined();
    t.upsert(dm('other.test', 'b', { claimed: false }));
    expect(t.lookup('other.test')).toBeUndefined();
  });

  it("a mapping deleted in one namespace does not drop another namespace's entry for the domain", () => {
    const t = new DomainTable();
    t.upsert(dm('app.test', 'a'));
    t.upsert(dm('app.test', 'b'));
    t.remove(dm('app.test', 'a'));
    expect(t.lookup('app.test')?.namespace).toBe('b');
    t.remove(dm('app.test', 'b'));
    expect(t.domains()).toEqual([]);
  });
});

describe('plain HTTP to a mapped domain (config-network http-protocol)', () => {
  const tls = { domain: 'app.test', namespace: 'a', route: 'hello', secretName: 'app-tls' };
  const req = new Request('http://app.test/p/q?x=1');

  it('is served when Enabled, over TLS, or for a domain without TLS', () => {
    expect(plainHttpAnswer(tls, req, false, 'Enabled', 8443)).toBeUndefined();
    expect(plainHttpAnswer(tls, req, true, 'Redirected', 8443)).toBeUndefined();
    expect(
      plainHttpAnswer({ domain: 'app.test', namespace: 'a', route: 'hello' }, req, false, 'Redirected', 8443),
    ).toBeUndefined();
  });

  it('is redirected to the https listener, path and query kept, when Redirected; not served when Disabled', async () => {
    const r = plainHttpAnswer(tls, req, false, 'Redirected', 8443)!;
    expect([r.status, r.headers.get('location')]).toEqual([301, 'https://app.test:8443/p/q?x=1']);
    expect(plainHttpAnswer(tls, req, false, 'Redirected', 443)!.headers.get('location')).toBe(
      'https://app.test/p/q?x=1',
    );
    const d = plainHttpAnswer(tls, req, false, 'Disabled', 8443)!;
    expect([d.status, await d.json()]).toEqual([404, { error: 'no route for this host', host: 'app.test' }]);
  });
});
