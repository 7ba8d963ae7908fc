import fc from 'fast-check';
import { KIND_DEFINITIONS, type Kind, type KindDefinition } from '@kedge/core';

/** Fuzzing budget: `npm test` runs a bounded sample; `npm run chaos` sets KEDGE_CHAOS_RUNS higher. */
export const RUNS = Number(process.env.KEDGE_CHAOS_RUNS ?? 40);

const DEFINITIONS = KIND_DEFINITIONS as readonly KindDefinition[];
/** From the kind registry, so a new kind is fuzzed as soon as it is registered (validObject must know it). */
export const WRITABLE = DEFINITIONS.filter((d) => d.writable).map((d) => d.info.kind as Kind);
export const READ_ONLY = DEFINITIONS.filter((d) => !d.writable).map((d) => d.info.kind as Kind);

const IMAGE = `fuzz.wasm@sha256:${'a'.repeat(64)}`;

/** A valid object of each writable kind (what a careful user would send). */
export function validObject(kind: Kind, namespace: string, name: string): Record<string, unknown> {
  const metadata = { name, namespace, labels: { app: 'fuzz' }, annotations: { note: 'fuzz' } };
  const template = {
    metadata: { annotations: { 'autoscaling.knative.dev/target': '10' } },
    spec: {
      containerConcurrency: 10,
      timeoutSeconds: 60,
      containers: [{ image: IMAGE, env: [{ name: 'TARGET', value: 'x' }] }],
    },
  };
  switch (kind) {
    case 'Service':
      return { apiVersion: 'serving.knative.dev/v1', kind, metadata, spec: { template } };
    case 'Configuration':
      return { apiVersion: 'serving.knative.dev/v1', kind, metadata, spec: { template } };
    case 'Revision':
      return { apiVersion: 'serving.knative.dev/v1', kind, metadata, spec: template.spec };
    case 'Route':
      return {
        apiVersion: 'serving.knative.dev/v1',
        kind,
        metadata,
        spec: { traffic: [{ configurationName: 'seed-configuration', percent: 100 }] },
      };
    case 'ConfigMap':
      return { apiVersion: 'v1', kind, metadata, data: { key: 'value' } };
    case 'PodAutoscaler':
      return {
        apiVersion: 'autoscaling.internal.knative.dev/v1alpha1',
        kind,
        metadata,
        spec: { scaleTargetRef: { name } },
      };
    case 'ServerlessService':
      return { apiVersion: 'networking.internal.knative.dev/v1alpha1', kind, metadata, spec: { mode: 'Proxy' } };
    case 'DomainMapping':
      return {
        apiVersion: 'serving.knative.dev/v1beta1',
        kind,
        // A DomainMapping's name is a domain.
        metadata: { ...metadata, name: name.includes('.') ? name : `${name}.example.test` },
        spec: {
          ref: { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'seed-service' },
          tls: { secretName: 'seed-secret' },
        },
      };
    case 'Secret':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        type: 'Opaque',
        data: { key: 'dmFsdWU=' },
        stringData: { other: 'value' },
      };
    // Read-only views: what a client could try to write (and gets 405 for).
    case 'Pod':
      return { apiVersion: 'v1', kind, metadata, spec: { containers: [{ name: 'user-container', image: IMAGE }] } };
    case 'Event':
      return {
        apiVersion: 'v1',
        kind,
        metadata,
        involvedObject: { kind: 'Service', name, namespace },
        reason: 'Fuzz',
        message: 'x',
        type: 'Normal',
      };
  }
}

export const seedName = (kind: Kind) => `seed-${kind.toLowerCase()}${kind === 'DomainMapping' ? '.example.test' : ''}`;

/** Values of every JSON type and the shapes validators trip on. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('-1', '0', '1e309', '-1s', 'NaN', '../x', '..%2F..%2Fx', 'h\u00e9', '\u0000', 'A_B', 'x'.repeat(300)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Every path in a JSON value, objects and arrays included (the root is []). */
export function pathsOf(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) for (const [i, x] of v.entries()) out.push(...pathsOf(x, [...at, i]));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

export interface Mutation {
  op: 'set' | 'delete' | 'unknown-field';
  path: (string | number)[];
  value: unknown;
}

/** Applies a mutation to a copy: sets a path to a value, deletes it, or adds an unknown field beside it. */
export function mutate(obj: Record<string, unknown>, m: Mutation): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  if (m.path.length === 0) return m.op === 'set' ? m.value : copy;
  const parent = m.path.slice(0, -1).reduce<any>((o, k) => o[k], copy);
  const last = m.path[m.path.length - 1]!;
  if (m.op === 'set') parent[last] = m.value;
  else if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (parent && typeof parent === 'object' && !Array.isArray(parent))
    parent[`unknownField${String(last)}`] = m.value;
  return copy;
}

export function mutationOf(obj: Record<string, unknown>): fc.Arbitrary<Mutation> {
  const paths = pathsOf(obj);
  return fc.record({
    op: fc.constantFrom<Mutation['op']>('set', 'set', 'delete', 'unknown-field'),
    path: fc.constantFrom(...paths),
    value: anyValue,
  });
}

/** Names that are not DNS-1123 labels (Kubernetes object names): each must be refused. */
export const badName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'UPPER',
    'a_b',
    '-a',
    'a-',
    '..',
    '..%2F..%2Fx',
    'a/b',
    'h\u00e9',
    'a.b.',
    ' a',
    'a'.repeat(254),
    '%00',
    'a\nb',
  ),
  fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) || s.length > 63),
);

export const CONTENT_TYPES = [
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
] as const;

/** Bodies no kind accepts: malformed JSON/YAML, scalars, several YAML documents, invalid UTF-8, nothing. */
export const garbageBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '}',
    '[',
    '{"a":',
    'null',
    'true',
    '42',
    '"x"',
    '[1,2]',
    '---\na: 1\n---\nb: 2\n',
    '{"apiVersion": 1}',
    ': : :',
    '\u0000\u0001',
    '{"kind":"Service"',
  ),
  fc.string({ maxLength: 40 }).filter((s) => {
    try {
      const v = JSON.parse(s);
      return v === null || typeof v !== 'object';
    } catch {
      return true;
    }
  }),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Uint8Array.from([0xff, 0xfe, ...b])),
);
