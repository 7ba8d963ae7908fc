import { describe, expect, it } from 'vitest';
import { makeCertificate } from '../../../testing/certificates.js';
import { applyDefaults } from '../../defaults.js';
import type { AnyResource } from '../../types.js';
import { validateResource } from '../../validation.js';

const secret = (fields: Record<string, unknown>) =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'app-tls', namespace: 'default' },
    ...fields,
  }) as unknown as AnyResource;
const problems = (o: AnyResource, old?: AnyResource) =>
  validateResource(applyDefaults(o), old ? { old } : {})?.problems.map((p) => `${p.path}: ${p.message}`) ?? [];
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Secret (Kubernetes v1)', () => {
  const app = makeCertificate(['app.test']);
  const other = makeCertificate(['other.test']);

  it('accepts a kubernetes.io/tls Secret whose certificate and key match', () => {
    expect(problems(app.secret('app-tls', 'default') as unknown as AnyResource)).toEqual([]);
  });

  it('merges stringData into data as base64 and defaults the type to Opaque', () => {
    const out = applyDefaults(secret({ data: { a: b64('1') }, stringData: { b: 'two' } })) as unknown as Record<
      string,
      unknown
    >;
    expect(out).toMatchObject({ type: 'Opaque', data: { a: b64('1'), b: b64('two') } });
    expect(out.stringData).toBeUndefined();
  });

  it('names the missing or unusable TLS keys, bad data keys and values', () => {
    expect(problems(secret({ type: 'kubernetes.io/tls', data: {} }))).toEqual([
      'data[tls.crt]: missing field(s)',
      'data[tls.key]: missing field(s)',
    ]);
    expect(
      problems(secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64(app.cert), 'tls.key': b64(other.key) } })),
    ).toEqual(['data[tls.key]: does not match the certificate in data[tls.crt]']);
    expect(
      problems(secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('nope'), 'tls.key': b64(app.key) } }))[0],
    ).toMatch(/^data\[tls\.crt\]: not a PEM certificate/);
    expect(problems(secret({ data: { 'a b': b64('x'), c: 'not base64!' } }))).toEqual([
      "data[a b]: invalid value: a b: a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
      'data[c]: invalid value: <value>: must be base64 (the bytes of a Secret go in data base64-encoded, or as text in stringData)',
    ]);
  });

  it('keeps type, and the data of an immutable Secret, on update', () => {
    const old = applyDefaults(secret({ data: { a: b64('1') }, immutable: true }));
    expect(problems(secret({ type: 'kubernetes.io/tls', data: { a: b64('1') }, immutable: true }), old)).toContain(
      'type: invalid value: kubernetes.io/tls: field is immutable',
    );
    expect(problems(secret({ data: { a: b64('2') }, immutable: true }), old)).toEqual([
      'data: field is immutable when `immutable` is set',
    ]);
  });
});
