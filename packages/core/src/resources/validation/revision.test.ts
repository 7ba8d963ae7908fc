import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults.js';
import type { Revision } from '../types.js';
import { validateResource, type ValidationContext } from '../validation.js';

const owner = [{ apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', name: 'hello', uid: 'u', controller: true }];

function rev(edit: (r: any) => void = () => {}): Revision {
  const r: any = applyDefaults({
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Revision',
    metadata: {
      name: 'hello-00001',
      namespace: 'default',
      labels: { 'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/configurationGeneration': '1' },
      ownerReferences: owner,
    },
    spec: { containers: [{ image: `hello.wasm@sha256:${'0'.repeat(64)}` }] },
  } as Revision);
  edit(r);
  return r;
}

function problems(obj: unknown, ctx?: ValidationContext) {
  return validateResource(obj as Revision, ctx)?.problems ?? [];
}

interface Case {
  name: string;
  obj: unknown;
  want: string[];
  msg?: string;
  ctx?: ValidationContext;
}

const A = 'metadata.annotations.autoscaling.knative.dev';

const cases: Case[] = [
  { name: 'valid', obj: rev(), want: [] },
  { name: 'configuration label without owner', obj: rev((r) => (r.metadata.ownerReferences = [])), want: ['metadata.labels.serving.knative.dev/configuration'], msg: 'missing field(s)' },
  { name: 'configuration label, owner of another kind', obj: rev((r) => (r.metadata.ownerReferences = [{ ...owner[0], kind: 'Service' }])), want: ['metadata.labels.serving.knative.dev/configuration'] },
  { name: 'autoscaling annotations allowed on revision', obj: rev((r) => (r.metadata.annotations = { 'autoscaling.knative.dev/min-scale': '1', 'autoscaling.knative.dev/max-scale': '5' })), want: [] },
  { name: 'autoscaling annotation validated on revision', obj: rev((r) => (r.metadata.annotations = { 'autoscaling.knative.dev/min-scale': '5', 'autoscaling.knative.dev/max-scale': '1' })), want: [`${A}/max-scale`, `${A}/min-scale`] },
  { name: 'name not DNS', obj: rev((r) => (r.metadata.name = 'hello_00001')), want: ['metadata.name'] },
  { name: 'spec: timeout', obj: rev((r) => (r.spec.timeoutSeconds = 1000)), want: ['spec.timeoutSeconds'], msg: 'expected 0 <= 1000 <= 600' },
  { name: 'spec: containerConcurrency', obj: rev((r) => (r.spec.containerConcurrency = 5000)), want: ['spec.containerConcurrency'] },
  { name: 'spec: missing containers', obj: rev((r) => delete r.spec.containers), want: ['spec.containers'] },
  { name: 'spec: empty container', obj: rev((r) => (r.spec.containers = [{}])), want: ['spec.containers[0]'], msg: 'missing field(s)' },
  { name: 'spec: reserved env', obj: rev((r) => (r.spec.containers[0].env = [{ name: 'K_REVISION', value: 'x' }])), want: ['spec.containers[0].env[0].name'] },
  { name: 'missing spec', obj: rev((r) => delete r.spec), want: ['spec'] },
  { name: 'unknown revision spec field', obj: rev((r) => (r.spec.concurrency = 1)), want: ['spec.concurrency'], msg: 'unknown field' },
  { name: 'PodAutoscaler-only annotation is fine', obj: rev((r) => (r.metadata.annotations = { 'serving.knative.dev/progress-deadline': '30s' })), want: [] },
];

describe('Revision validation', () => {
  it.each(cases)('$name', ({ obj, want, msg, ctx }) => {
    const ps = problems(obj, ctx);
    expect(ps.map((p) => p.path).sort()).toEqual([...want].sort());
    if (msg) expect(ps.every((p) => p.message.includes(msg))).toBe(true);
  });

  it('spec is immutable on update', () => {
    const old = rev();
    const next = rev((r) => (r.spec.containers[0].image = 'other.wasm'));
    const ps = problems(next, { old });
    expect(ps.map((p) => p.path)).toEqual(['spec']);
    expect(ps[0]!.message).toMatch(/^Immutable fields changed \(-old \+new\)/);
    expect(ps[0]!.message).toContain('containers[0].image');
  });

  it('metadata may change on update', () => {
    const old = rev();
    const next = rev((r) => (r.metadata.labels['serving.knative.dev/routingState'] = 'active'));
    expect(problems(next, { old })).toEqual([]);
  });

  it('is not re-defaulted on update (config drift does not look like a spec change)', () => {
    const old = rev();
    const next = structuredClone(old) as any;
    delete next.spec.timeoutSeconds;
    const defaulted = applyDefaults(next, { revisionTimeoutSeconds: 100, maxRevisionTimeoutSeconds: 600, containerConcurrency: 0, containerConcurrencyMaxLimit: 1000 }, { old });
    expect(defaulted.spec.timeoutSeconds).toBeUndefined();
  });

  it('on update, an invalid spec is not re-validated when unchanged', () => {
    const old = rev((r) => (r.spec.timeoutSeconds = 5000));
    expect(problems(structuredClone(old), { old })).toEqual([]);
  });
});
