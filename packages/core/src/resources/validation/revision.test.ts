import { describe, expect, it } from 'vitest';
import { expectCase, problems, servingObject, type ValidationCase as Case } from '../../../test-support/validation.js';
import { applyDefaults } from '../defaults.js';
import type { Revision } from '../types.js';

const owner = [
  { apiVersion: 'serving.knative.dev/v1', kind: 'Configuration', name: 'hello', uid: 'u', controller: true },
];

const rev = (edit?: (r: any) => void) =>
  servingObject<Revision>('Revision', { containers: [{ image: `hello.wasm@sha256:${'0'.repeat(64)}` }] }, edit, true, {
    name: 'hello-00001',
    namespace: 'default',
    labels: { 'serving.knative.dev/configuration': 'hello', 'serving.knative.dev/configurationGeneration': '1' },
    ownerReferences: owner,
  });

const A = 'metadata.annotations.autoscaling.knative.dev';

const cases: Case[] = [
  { name: 'valid', obj: rev(), want: [] },
  {
    name: 'configuration label without owner',
    obj: rev((r) => (r.metadata.ownerReferences = [])),
    want: ['metadata.labels.serving.knative.dev/configuration'],
    msg: 'missing field(s)',
  },
  {
    name: 'configuration label, owner of another kind',
    obj: rev((r) => (r.metadata.ownerReferences = [{ ...owner[0], kind: 'Service' }])),
    want: ['metadata.labels.serving.knative.dev/configuration'],
  },
  {
    name: 'autoscaling annotations allowed on revision',
    obj: rev(
      (r) =>
        (r.metadata.annotations = {
          'autoscaling.knative.dev/min-scale': '1',
          'autoscaling.knative.dev/max-scale': '5',
        }),
    ),
    want: [],
  },
  {
    name: 'autoscaling annotation validated on revision',
    obj: rev(
      (r) =>
        (r.metadata.annotations = {
          'autoscaling.knative.dev/min-scale': '5',
          'autoscaling.knative.dev/max-scale': '1',
        }),
    ),
    want: [`${A}/max-scale`, `${A}/min-scale`],
  },
  { name: 'name not DNS', obj: rev((r) => (r.metadata.name = 'hello_00001')), want: ['metadata.name'] },
  {
    name: 'spec: timeout',
    obj: rev((r) => (r.spec.timeoutSeconds = 1000)),
    want: ['spec.timeoutSeconds'],
    msg: 'expected 0 <= 1000 <= 600',
  },
  {
    name: 'spec: containerConcurrency',
    obj: rev((r) => (r.spec.containerConcurrency = 5000)),
    want: ['spec.containerConcurrency'],
  },
  { name: 'spec: missing containers', obj: rev((r) => delete r.spec.containers), want: ['spec.containers'] },
  {
    name: 'spec: empty container',
    obj: rev((r) => (r.spec.containers = [{}])),
    want: ['spec.containers[0]'],
    msg: 'missing field(s)',
  },
  {
    name: 'spec: reserved env',
    obj: rev((r) => (r.spec.containers[0].env = [{ name: 'K_REVISION', value: 'x' }])),
    want: ['spec.containers[0].env[0].name'],
  },
  { name: 'missing spec', obj: rev((r) => delete r.spec), want: ['spec'] },
  {
    name: 'unknown revision spec field',
    obj: rev((r) => (r.spec.concurrency = 1)),
    want: ['spec.concurrency'],
    msg: 'unknown field',
  },
  {
    name: 'spec: two containers need one port',
    obj: rev(
      (r) =>
        (r.spec.containers = [
          { name: 'a', image: 'a.wasm' },
          { name: 'b', image: 'b.wasm' },
        ]),
    ),
    want: ['spec.containers[*].ports'],
  },
  {
    name: 'spec: serving container + sidecar',
    obj: rev(
      (r) =>
        (r.spec.containers = [
          { name: 'a', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          { name: 'b', image: 'b.wasm' },
        ]),
    ),
    want: [],
  },
  {
    name: 'spec: reserved port',
    obj: rev((r) => (r.spec.containers[0].ports = [{ containerPort: 9091 }])),
    want: ['spec.containers[0].ports[0].containerPort'],
  },
  {
    name: 'spec: idle timeout too big',
    obj: rev((r) => (r.spec.idleTimeoutSeconds = 700)),
    want: ['spec.idleTimeoutSeconds'],
  },
  {
    name: 'spec: response start above timeout',
    obj: rev((r) => Object.assign(r.spec, { timeoutSeconds: 10, responseStartTimeoutSeconds: 11 })),
    want: ['spec.responseStartTimeoutSeconds'],
    msg: 'expected 0 <= 11 <= 10',
  },
  {
    name: 'spec: process revision',
    obj: rev((r) =>
      Object.assign(r.spec.containers[0], {
        image: 'node:20',
        command: ['node', 'server.mjs'],
        args: ['--port', '8080'],
        workingDir: '/srv',
      }),
    ),
    want: [],
    ctx: { features: { processRevisions: true } },
  },
  {
    name: 'spec: forbidden tty',
    obj: rev((r) => (r.spec.containers[0].tty = true)),
    want: ['spec.containers[0].tty'],
    msg: 'must not set the field(s)',
  },
  {
    name: 'spec: probe without handler',
    obj: rev((r) => (r.spec.containers[0].readinessProbe = { successThreshold: 1 })),
    want: ['exec', 'grpc', 'httpGet', 'tcpSocket'].map((h) => `spec.containers[0].readinessProbe.${h}`),
  },
  {
    name: 'annotation: bad class',
    obj: rev((r) => (r.metadata.annotations = { 'autoscaling.knative.dev/class': 'xyz.autoscaling.knative.dev' })),
    want: [`${A}/class`],
  },
  {
    name: 'annotation: max-scale-limit from config',
    obj: rev((r) => (r.metadata.annotations = { 'autoscaling.knative.dev/max-scale': '50' })),
    ctx: { autoscaler: { maxScaleLimit: 10 } },
    want: [`${A}/max-scale`],
  },
  {
    name: 'annotation: initial-scale 0 allowed by config',
    obj: rev((r) => (r.metadata.annotations = { 'autoscaling.knative.dev/initial-scale': '0' })),
    ctx: { autoscaler: { allowZeroInitialScale: true } },
    want: [],
  },
  {
    name: 'annotation: progress-deadline negative',
    obj: rev((r) => (r.metadata.annotations = { 'serving.knative.dev/progress-deadline': '-10s' })),
    want: ['metadata.annotations.serving.knative.dev/progress-deadline'],
    msg: 'must be positive',
  },
  {
    name: 'generateName revision',
    obj: rev((r) => {
      delete r.metadata.name;
      r.metadata.generateName = 'hello-';
    }),
    want: [],
  },
  {
    name: 'PodAutoscaler-only annotation is fine',
    obj: rev((r) => (r.metadata.annotations = { 'serving.knative.dev/progress-deadline': '30s' })),
    want: [],
  },
];

describe('Revision validation', () => {
  it.each(cases)('$name', expectCase);

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
    const defaulted = applyDefaults(
      next,
      {
        revisionTimeoutSeconds: 100,
        maxRevisionTimeoutSeconds: 600,
        containerConcurrency: 0,
        containerConcurrencyMaxLimit: 1000,
      },
      { old },
    );
    expect(defaulted.spec.timeoutSeconds).toBe(300);
  });

  it('a metadata update that re-sends the spec without its defaults is not a spec change', () => {
    const old = rev();
    const next = structuredClone(old) as any;
    next.spec = { containers: [{ image: old.spec.containers[0]!.image }] };
    next.metadata.labels.team = 'a';
    const defaulted = applyDefaults(next, undefined, { old });
    expect(defaulted.spec).toEqual(old.spec);
    expect(problems(defaulted, { old })).toEqual([]);
  });

  it('on update, an invalid spec is not re-validated when unchanged', () => {
    const old = rev((r) => (r.spec.timeoutSeconds = 5000));
    expect(problems(structuredClone(old), { old })).toEqual([]);
  });
});
