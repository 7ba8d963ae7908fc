import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../defaults.js';
import type { AnyResource } from '../../types.js';
import { validateResource } from '../../validation.js';

const dm = (name: string, spec: unknown, meta: Record<string, unknown> = {}) =>
  ({
    apiVersion: 'serving.knative.dev/v1beta1',
    kind: 'DomainMapping',
    metadata: { name, namespace: 'default', ...meta },
    spec,
  }) as unknown as AnyResource;
const ref = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello' };
const problems = (o: AnyResource, old?: AnyResource) =>
  validateResource(applyDefaults(o, undefined, old ? { old } : {}), old ? { old } : {})?.problems.map(
    (p) => `${p.path}: ${p.message}`,
  ) ?? [];

describe('DomainMapping validation (Knative v1beta1)', () => {
  it('accepts a domain mapped to a Service, defaulting the ref namespace to its own', () => {
    expect(problems(dm('app.example.com', { ref }))).toEqual([]);
    expect(problems(dm('app.test', { ref, tls: { secretName: 'app-tls' } }))).toEqual([]);
    expect(
      (applyDefaults(dm('app.test', { ref })) as unknown as { spec: { ref: { namespace: string } } }).spec.ref
        .namespace,
    ).toBe('default');
  });

  it('requires a fully qualified domain outside the cluster domain as the name', () => {
    expect(problems(dm('app', { ref }))).toEqual([
      'metadata.name: invalid name "app": name: Invalid value: "app": should be a domain with at least two segments separated by dots',
    ]);
    expect(problems(dm('hello.default.svc.cluster.local', { ref }))).toEqual([
      'metadata.name: invalid name "hello.default.svc.cluster.local": must not be a subdomain of cluster local domain "cluster.local"',
    ]);
    expect(problems(dm('app.test', { ref }, { generateName: 'x-' }))).toEqual([
      'metadata.generateName: must not set the field(s)',
    ]);
  });

  it('names every missing part of spec.ref, the other namespace, and a TLS block without its secret', () => {
    expect(problems(dm('app.test', { ref: {} }))).toEqual([
      'spec.ref.apiVersion: missing field(s)',
      'spec.ref.kind: missing field(s)',
      'spec.ref.name: missing field(s)',
    ]);
    expect(problems(dm('app.test', { ref: { ...ref, namespace: 'other' } }))).toEqual([
      'spec.ref.namespace: mismatched namespaces: parent namespace: "default" does not match ref: "other"',
    ]);
    expect(problems(dm('app.test', { ref, tls: {} }))).toEqual(['spec.tls.secretName: missing field(s)']);
    expect(problems(dm('app.test', { ref, tls: { secretName: 'Bad_Name' } }))[0]).toMatch(
      /^spec\.tls\.secretName: invalid value: Bad_Name/,
    );
    expect(problems(dm('app.test', { ref, tsl: {} }))).toEqual(['spec.tsl: unknown field']);
    expect(problems(dm('app.test', undefined))).toEqual(['spec: missing field(s)']);
  });

  it('keeps the creator annotation on update', () => {
    const creator = { annotations: { 'serving.knative.dev/creator': 'alice' } };
    const old = applyDefaults(dm('app.test', { ref }, creator));
    const next = dm('app.test', { ref }, { annotations: { 'serving.knative.dev/creator': 'mallory' } });
    expect(problems(next, old)[0]).toMatch(/^metadata\.annotations\.serving\.knative\.dev\/creator: /);
  });
});
