import { describe, expect, it } from 'vitest';
import { FieldError } from '../errors.js';
import { domainFor, parseDomainConfig, routeAddressUrl, routeHost, routeUrl, tagHost, tagUrl } from './domain.js';

describe('parseDomainConfig (config-domain)', () => {
  it('defaults to example.com', () => {
    expect(parseDomainConfig({})).toEqual({ domains: { 'example.com': {} } });
    expect(parseDomainConfig(undefined)).toEqual({ domains: { 'example.com': {} } });
  });

  it('reads a default domain and selectors', () => {
    expect(
      parseDomainConfig({ 'kedge.dev': '', 'internal.kedge.dev': 'selector:\n  app: secret\n', _example: 'ignored' }),
    ).toEqual({
      domains: { 'kedge.dev': {}, 'internal.kedge.dev': { app: 'secret' } },
    });
  });

  it('adds example.com when every entry has a selector', () => {
    expect(parseDomainConfig({ 'prod.example.org': 'selector:\n  env: prod' }).domains).toEqual({
      'prod.example.org': { env: 'prod' },
      'example.com': {},
    });
  });

  it.each([
    ['bad YAML', { 'a.com': 'selector: [' }, ['a.com']],
    ['selector not a map', { 'a.com': 'selector: 3' }, ['a.com']],
    ['value not a map', { 'a.com': '- x' }, ['a.com']],
    ['bad domain key', { 'Not A Domain': '' }, ['Not A Domain']],
  ])('%s is rejected naming the key', (_n, data, paths) => {
    try {
      parseDomainConfig(data);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FieldError);
      expect((err as FieldError).problems.map((p) => p.path)).toEqual(paths);
    }
  });
});

describe('domainFor', () => {
  const cfg = parseDomainConfig({
    'example.org': '',
    'a.example.org': 'selector:\n  app: a',
    'b.example.org': 'selector:\n  app: a\n  tier: gold',
    'c.example.org': 'selector:\n  app: a\n  tier: gold',
  });

  it.each([
    ['no labels → default', {}, 'example.org'],
    ['one matching label', { app: 'a' }, 'a.example.org'],
    ['most specific wins; ties by name', { app: 'a', tier: 'gold' }, 'b.example.org'],
    ['non-matching selector ignored', { app: 'z', tier: 'gold' }, 'example.org'],
    ['cluster-local wins', { app: 'a', 'networking.knative.dev/visibility': 'cluster-local' }, 'svc.cluster.local'],
  ])('%s', (_n, labels, want) => {
    expect(domainFor(labels as Record<string, string>, cfg)).toBe(want);
    expect(domainFor({ metadata: { labels: labels as Record<string, string> } }, cfg)).toBe(want);
  });

  it('with the built-in config is example.com', () => {
    expect(domainFor({ metadata: {} })).toBe('example.com');
  });
});

describe('hosts and URLs', () => {
  const route = { metadata: { name: 'hello', namespace: 'default' } };
  it('follows Knative default templates', () => {
    expect(routeHost('hello', 'default', 'example.com')).toBe('hello.default.example.com');
    expect(tagHost('blue', 'hello', 'default', 'example.com')).toBe('blue-hello.default.example.com');
    expect(routeUrl(route)).toBe('http://hello.default.example.com');
    expect(tagUrl('blue', route)).toBe('http://blue-hello.default.example.com');
    expect(routeAddressUrl(route)).toBe('http://hello.default.svc.cluster.local');
  });
  it('cluster-local routes get svc.cluster.local URLs', () => {
    const local = { metadata: { ...route.metadata, labels: { 'networking.knative.dev/visibility': 'cluster-local' } } };
    expect(routeUrl(local)).toBe('http://hello.default.svc.cluster.local');
    expect(tagUrl('v1', local, parseDomainConfig({ 'kedge.dev': '' }))).toBe(
      'http://v1-hello.default.svc.cluster.local',
    );
  });
});
