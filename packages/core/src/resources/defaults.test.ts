import { describe, expect, it } from 'vitest';
import { applyDefaults, DEFAULTS_CONFIG, type DefaultsConfig } from './defaults.js';
import type { Configuration, Revision, Service } from './types.js';
import { validateResource } from './validation.js';

function service(spec: any = {}, meta: any = {}): Service {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'hello', namespace: 'default', ...meta },
    spec: { template: { spec: { containers: [{ image: 'hello.wasm' }], ...spec } } },
  } as Service;
}

const cfg = (over: Partial<DefaultsConfig>): DefaultsConfig => ({ ...DEFAULTS_CONFIG, ...over });

describe('applyDefaults', () => {
  it('does not modify its input', () => {
    const s = service();
    const before = structuredClone(s);
    applyDefaults(s);
    expect(s).toEqual(before);
  });

  it('defaults a Service the way Knative does', () => {
    const d = applyDefaults(service());
    expect(d.spec.template.spec).toEqual({
      containers: [
        {
          image: 'hello.wasm',
          name: 'user-container',
          ports: [{ containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 0 }, successThreshold: 1 },
        },
      ],
      timeoutSeconds: 300,
      containerConcurrency: 0,
      enableServiceLinks: false,
    });
    expect(d.spec.traffic).toEqual([{ percent: 100, latestRevision: true }]);
    expect(validateResource(d)).toBeUndefined();
  });

  it.each([
    ['timeoutSeconds 0 → config', { timeoutSeconds: 0 }, cfg({}), { timeoutSeconds: 300 }],
    ['timeoutSeconds kept', { timeoutSeconds: 30 }, cfg({}), { timeoutSeconds: 30 }],
    ['timeout from config', {}, cfg({ revisionTimeoutSeconds: 120 }), { timeoutSeconds: 120 }],
    ['containerConcurrency from config', {}, cfg({ containerConcurrency: 10 }), { containerConcurrency: 10 }],
    [
      'containerConcurrency 0 kept',
      { containerConcurrency: 0 },
      cfg({ containerConcurrency: 10 }),
      { containerConcurrency: 0 },
    ],
    ['idle default below timeout applied', {}, cfg({ revisionIdleTimeoutSeconds: 60 }), { idleTimeoutSeconds: 60 }],
    [
      'idle default not below timeout skipped',
      { timeoutSeconds: 30 },
      cfg({ revisionIdleTimeoutSeconds: 60 }),
      { idleTimeoutSeconds: undefined },
    ],
    ['response-start default = timeout ⇒ unset', {}, cfg({}), { responseStartTimeoutSeconds: undefined }],
    [
      'response-start default below timeout applied',
      {},
      cfg({ revisionResponseStartTimeoutSeconds: 20 }),
      { responseStartTimeoutSeconds: 20 },
    ],
    [
      'response-start kept',
      { responseStartTimeoutSeconds: 5 },
      cfg({ revisionResponseStartTimeoutSeconds: 20 }),
      { responseStartTimeoutSeconds: 5 },
    ],
  ] as const)('%s', (_name, spec, config, want) => {
    const d = applyDefaults(service(spec), config);
    for (const [k, v] of Object.entries(want)) expect(d.spec.template.spec[k]).toEqual(v);
  });

  it.each([
    ['timeoutSeconds as a string', { timeoutSeconds: '30' }, 'spec.template.spec.timeoutSeconds'],
    ['containerConcurrency as a string', { containerConcurrency: '5' }, 'spec.template.spec.containerConcurrency'],
  ])('leaves %s for validation to report', (_n, spec, path) => {
    const d = applyDefaults(service(spec));
    expect(validateResource(d)?.problems.map((p) => p.path)).toEqual([path]);
  });

  it('leaves a malformed probe and resources for validation to report', () => {
    const d = applyDefaults(
      service({ containers: [{ image: 'a.wasm', readinessProbe: 'yes', resources: [] }] }),
      cfg({ revisionCpuRequest: '100m' }),
    );
    expect(validateResource(d)?.problems.map((p) => p.path)).toEqual([
      'spec.template.spec.containers[0].readinessProbe',
      'spec.template.spec.containers[0].resources',
    ]);
  });

  it('leaves non-list traffic for validation to report', () => {
    const s = service();
    (s.spec as any).traffic = { percent: 100 };
    expect(validateResource(applyDefaults(s))?.problems.map((p) => p.path)).toEqual(['spec.traffic']);
  });

  it('names several containers user-container-<i>, skipping names in use', () => {
    const d = applyDefaults(
      service({
        containers: [
          { image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          { image: 'b.wasm', name: 'user-container-1' },
          { image: 'c.wasm' },
        ],
      }),
    );
    expect(d.spec.template.spec.containers.map((c) => c.name)).toEqual([
      'user-container-0',
      'user-container-1',
      'user-container-2',
    ]);
    // Only the serving container gets the default readiness probe.
    expect(d.spec.template.spec.containers[0]!.readinessProbe).toEqual({ tcpSocket: { port: 0 }, successThreshold: 1 });
    expect(d.spec.template.spec.containers[2]!.readinessProbe).toBeUndefined();
    expect(d.spec.template.spec.containers[2]!.ports).toBeUndefined();
  });

  it('uses the container-name-template with {{.Name}}', () => {
    const d = applyDefaults(service(), cfg({ containerNameTemplate: '{{.Name}}-app' }));
    expect(d.spec.template.spec.containers[0]!.name).toBe('hello-app');
  });

  it('keeps an explicit probe handler and fills thresholds when periodSeconds is set', () => {
    const d = applyDefaults(
      service({ containers: [{ image: 'a.wasm', readinessProbe: { httpGet: { path: '/ready' }, periodSeconds: 5 } }] }),
    );
    expect(d.spec.template.spec.containers[0]!.readinessProbe).toEqual({
      httpGet: { path: '/ready' },
      periodSeconds: 5,
      successThreshold: 1,
      failureThreshold: 3,
      timeoutSeconds: 1,
    });
  });

  it('defaults a gRPC probe service to ""', () => {
    const d = applyDefaults(service({ containers: [{ image: 'a.wasm', livenessProbe: { grpc: { port: 8080 } } }] }));
    expect(d.spec.template.spec.containers[0]!.livenessProbe).toEqual({ grpc: { port: 8080, service: '' } });
  });

  it('adds resource requests/limits from config only where missing', () => {
    const d = applyDefaults(
      service({ containers: [{ image: 'a.wasm', resources: { limits: { memory: '1Gi' } } }] }),
      cfg({ revisionCpuRequest: '100m', revisionMemoryLimit: '256Mi' }),
    );
    expect(d.spec.template.spec.containers[0]!.resources).toEqual({
      limits: { memory: '1Gi' },
      requests: { cpu: '100m' },
    });
  });

  it('forces readOnly mounts for non-writable volumes', () => {
    const d = applyDefaults(
      service({
        volumes: [
          { name: 'cfg', configMap: { name: 'c' } },
          { name: 'scratch', emptyDir: {} },
        ],
        containers: [
          {
            image: 'a.wasm',
            volumeMounts: [
              { name: 'cfg', mountPath: '/cfg' },
              { name: 'scratch', mountPath: '/scratch' },
            ],
          },
        ],
      }),
    );
    expect(d.spec.template.spec.containers[0]!.volumeMounts).toEqual([
      { name: 'cfg', mountPath: '/cfg', readOnly: true },
      { name: 'scratch', mountPath: '/scratch' },
    ]);
  });

  it('keeps explicit traffic and defaults each entry', () => {
    const s = service();
    s.spec.traffic = [{ revisionName: 'hello-00001', percent: 50 }, { percent: 50 }];
    expect(applyDefaults(s).spec.traffic).toEqual([
      { revisionName: 'hello-00001', percent: 50, latestRevision: false },
      { percent: 50, latestRevision: true },
    ]);
  });

  it('records creator and lastModifier on create', () => {
    const d = applyDefaults(service(), DEFAULTS_CONFIG, { user: 'alice' });
    expect(d.metadata.annotations).toEqual({
      'serving.knative.dev/creator': 'alice',
      'serving.knative.dev/lastModifier': 'alice',
    });
  });

  it('on update moves lastModifier only when the spec changes, and keeps the creator', () => {
    const old = applyDefaults(service(), DEFAULTS_CONFIG, { user: 'alice' });
    const same = applyDefaults(service(), DEFAULTS_CONFIG, { user: 'bob', old });
    expect(same.metadata.annotations).toEqual({
      'serving.knative.dev/creator': 'alice',
      'serving.knative.dev/lastModifier': 'alice',
    });
    expect(validateResource(same, { old })).toBeUndefined();
    const changed = applyDefaults(service({ containerConcurrency: 5 }), DEFAULTS_CONFIG, { user: 'bob', old });
    expect(changed.metadata.annotations).toEqual({
      'serving.knative.dev/creator': 'alice',
      'serving.knative.dev/lastModifier': 'bob',
    });
    expect(validateResource(changed, { old })).toBeUndefined();
  });

  it('re-applying a manifest with a BYO revision name is not a change', () => {
    const manifest = service();
    (manifest.spec.template as any).metadata = { name: 'hello-v1' };
    const old = applyDefaults(manifest);
    const again = applyDefaults(structuredClone(manifest), cfg({ revisionTimeoutSeconds: 100 }), { old });
    expect(again.spec.template).toEqual(old.spec.template);
    expect(validateResource(again, { old })).toBeUndefined();
  });

  it('dropping a non-defaultable field under the same BYO name is caught', () => {
    const manifest = service({ containers: [{ image: 'hello.wasm', env: [{ name: 'A', value: '1' }] }] });
    (manifest.spec.template as any).metadata = { name: 'hello-v1' };
    const old = applyDefaults(manifest);
    const dropped = structuredClone(manifest);
    delete dropped.spec.template.spec.containers[0]!.env;
    const next = applyDefaults(dropped, DEFAULTS_CONFIG, { old });
    expect(validateResource(next, { old })?.problems.map((p) => p.path)).toEqual(['spec.template.metadata.name']);
  });

  it('changing a template under the same BYO name is caught', () => {
    const manifest = service();
    (manifest.spec.template as any).metadata = { name: 'hello-v1' };
    const old = applyDefaults(manifest);
    const changed = structuredClone(manifest);
    changed.spec.template.spec.containers[0]!.image = 'other.wasm';
    const next = applyDefaults(changed, DEFAULTS_CONFIG, { old });
    expect(validateResource(next, { old })?.problems.map((p) => p.path)).toEqual(['spec.template.metadata.name']);
  });

  it('defaults a Configuration template but adds no traffic', () => {
    const c = applyDefaults({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Configuration',
      metadata: { name: 'hello', namespace: 'default' },
      spec: { template: { spec: { containers: [{ image: 'a.wasm' }] } } },
    } as Configuration);
    expect(c.spec.template.spec.timeoutSeconds).toBe(300);
    expect((c.spec as any).traffic).toBeUndefined();
  });

  it('defaults a Revision spec on create', () => {
    const r = applyDefaults({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'hello-00001', namespace: 'default' },
      spec: { containers: [{ image: 'a.wasm' }] },
    } as Revision);
    expect(r.spec.containers[0]!.name).toBe('user-container');
    expect(r.spec.timeoutSeconds).toBe(300);
  });
});
