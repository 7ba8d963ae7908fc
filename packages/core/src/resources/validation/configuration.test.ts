import { describe, expect, it } from 'vitest';
import {
  configurationFixture as cfg,
  expectCase,
  problems,
  type ValidationCase as Case,
} from '../../../test-support/validation.js';

const T = 'spec.template.spec';

const sidecar = { name: 'sidecar', image: 'sidecar.wasm' };
const owner = [{ apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'hello', uid: 'u' }];

const cases: Case[] = [
  { name: 'valid', obj: cfg(), want: [] },
  {
    name: 'no traffic field allowed',
    obj: cfg((c) => (c.spec.traffic = [])),
    want: ['spec.traffic'],
    msg: 'unknown field',
  },
  {
    name: 'autoscaling annotation on configuration',
    obj: cfg((c) => (c.metadata.annotations = { 'autoscaling.knative.dev/max-scale': '3' })),
    want: ['metadata.annotations'],
  },
  {
    name: 'autoscaling annotation on template ok',
    obj: cfg((c) => (c.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/max-scale': '3' } })),
    want: [],
  },
  {
    name: 'bad template annotation',
    obj: cfg((c) => (c.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/max-scale': 'three' } })),
    want: ['spec.template.metadata.annotations.autoscaling.knative.dev/max-scale'],
  },
  {
    name: 'service label needs owner',
    obj: cfg((c) => (c.metadata.labels = { 'serving.knative.dev/service': 'hello' })),
    want: ['metadata.labels.serving.knative.dev/service'],
    msg: 'missing field(s)',
  },
  {
    name: 'service label with wrong owner name',
    obj: cfg((c) => {
      c.metadata.labels = { 'serving.knative.dev/service': 'other' };
      c.metadata.ownerReferences = owner;
    }),
    want: ['metadata.labels.serving.knative.dev/service'],
  },
  {
    name: 'service label with owner',
    obj: cfg((c) => {
      c.metadata.labels = { 'serving.knative.dev/service': 'hello' };
      c.metadata.ownerReferences = owner;
    }),
    want: [],
  },
  {
    name: 'route label allowed',
    obj: cfg((c) => (c.metadata.labels = { 'serving.knative.dev/route': 'hello' })),
    want: [],
  },
  { name: 'BYO name', obj: cfg((c) => (c.spec.template.metadata = { name: 'hello-blue' })), want: [] },
  {
    name: 'BYO name wrong prefix',
    obj: cfg((c) => (c.spec.template.metadata = { name: 'hellob' })),
    want: ['spec.template.metadata.name'],
    msg: 'must have prefix "hello-"',
  },
  {
    name: 'sidecar with serving container',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers = [
          { name: 'app', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          sidecar,
        ]),
    ),
    want: [],
  },
  {
    name: 'two containers, no port',
    obj: cfg((c) => (c.spec.template.spec.containers = [{ name: 'app', image: 'a.wasm' }, sidecar])),
    want: [`${T}.containers[*].ports`],
    msg: 'missing field(s)',
  },
  {
    name: 'two containers, two ports',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers = [
          { name: 'app', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          { ...sidecar, ports: [{ containerPort: 8081 }] },
        ]),
    ),
    want: [`${T}.containers[*].ports`],
    msg: 'more than one container port is set',
  },
  {
    name: 'duplicate container names',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers = [
          { name: 'x', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          { name: 'x', image: 'b.wasm' },
        ]),
    ),
    want: [`${T}.containers[0].name`, `${T}.containers[1].name`],
    msg: 'duplicate container name',
  },
  {
    name: 'multi-container off',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers = [
          { name: 'app', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          sidecar,
        ]),
    ),
    ctx: { features: { multiContainer: false } },
    want: [`${T}.containers`],
    msg: 'multi-container is off, but found 2 containers',
  },
  {
    name: 'sidecar may set PORT but not K_SERVICE',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers = [
          { name: 'app', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          {
            ...sidecar,
            env: [
              { name: 'PORT', value: '1' },
              { name: 'K_SERVICE', value: 'x' },
            ],
          },
        ]),
    ),
    want: [`${T}.containers[1].env[1].name`],
  },
  {
    name: 'sidecar probe needs multi-container-probing',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers = [
          { name: 'app', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          { ...sidecar, readinessProbe: { tcpSocket: { port: 9000 } } },
        ]),
    ),
    want: [`${T}.containers[1].readinessProbe.tcpSocket`],
    msg: 'must not set the field(s)',
  },
  {
    name: 'sidecar probe with probing needs a port',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers = [
          { name: 'app', image: 'a.wasm', ports: [{ containerPort: 8080 }] },
          { ...sidecar, livenessProbe: { httpGet: { path: '/' } } },
        ]),
    ),
    ctx: { features: { multiContainerProbing: true } },
    want: [`${T}.containers[1].livenessProbe.httpGet.port`],
  },
  {
    name: 'probe with two handlers',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers[0].readinessProbe = {
          tcpSocket: {},
          httpGet: { path: '/' },
          successThreshold: 1,
        }),
    ),
    want: [`${T}.containers[0].readinessProbe.httpGet`, `${T}.containers[0].readinessProbe.tcpSocket`],
    msg: 'expected exactly one, got both',
  },
  {
    name: 'liveness probe without handler',
    obj: cfg((c) => (c.spec.template.spec.containers[0].livenessProbe = { periodSeconds: 5 })),
    want: ['exec', 'grpc', 'httpGet', 'tcpSocket'].map((h) => `${T}.containers[0].livenessProbe.${h}`),
    msg: 'expected exactly one, got neither',
  },
  {
    name: 'probe named port mismatch',
    obj: cfg(
      (c) =>
        (c.spec.template.spec.containers[0].readinessProbe = { httpGet: { port: 'metrics' }, successThreshold: 1 }),
    ),
    want: [`${T}.containers[0].readinessProbe.httpGet.port`],
    msg: 'Probe port must match container port',
  },
  {
    name: 'probe numeric port mismatch',
    obj: cfg((c) => (c.spec.template.spec.containers[0].livenessProbe = { tcpSocket: { port: 9999 } })),
    want: [`${T}.containers[0].livenessProbe.tcpSocket.port`],
  },
  {
    name: 'probe port matches container port',
    obj: cfg((c) => (c.spec.template.spec.containers[0].livenessProbe = { httpGet: { port: 8080, path: '/healthz' } })),
    want: [],
  },
  {
    name: 'readiness periodSeconds 0 with failureThreshold',
    obj: cfg((c) => Object.assign(c.spec.template.spec.containers[0].readinessProbe, { failureThreshold: 3 })),
    want: [`${T}.containers[0].readinessProbe.failureThreshold`],
    msg: 'failureThreshold is disallowed when periodSeconds is zero',
  },
  {
    name: 'readiness periodSeconds 0 with timeoutSeconds',
    obj: cfg((c) => Object.assign(c.spec.template.spec.containers[0].readinessProbe, { timeoutSeconds: 3 })),
    want: [`${T}.containers[0].readinessProbe.timeoutSeconds`],
  },
  {
    name: 'readiness periodSeconds negative',
    obj: cfg((c) => Object.assign(c.spec.template.spec.containers[0].readinessProbe, { periodSeconds: -1 })),
    want: [
      `${T}.containers[0].readinessProbe.failureThreshold`,
      `${T}.containers[0].readinessProbe.periodSeconds`,
      `${T}.containers[0].readinessProbe.timeoutSeconds`,
    ],
  },
  {
    name: 'readiness successThreshold 0',
    obj: cfg((c) => Object.assign(c.spec.template.spec.containers[0].readinessProbe, { successThreshold: 0 })),
    want: [`${T}.containers[0].readinessProbe.successThreshold`],
    msg: 'expected 1 <= 0 <= 2147483647',
  },
  {
    name: 'readiness with period and thresholds ok',
    obj: cfg((c) =>
      Object.assign(c.spec.template.spec.containers[0].readinessProbe, {
        periodSeconds: 5,
        failureThreshold: 3,
        timeoutSeconds: 1,
      }),
    ),
    want: [],
  },
  {
    name: 'probe unknown handler field',
    obj: cfg((c) => (c.spec.template.spec.containers[0].livenessProbe = { exec: { command: ['true'], shell: 'sh' } })),
    want: [`${T}.containers[0].livenessProbe.exec.shell`],
    msg: 'unknown field',
  },
  {
    name: 'volume mounted read-only',
    obj: cfg((c) => {
      c.spec.template.spec.volumes = [{ name: 'cfg', configMap: { name: 'my-config' } }];
      c.spec.template.spec.containers[0].volumeMounts = [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }];
    }),
    want: [],
  },
  {
    name: 'volume not mounted',
    obj: cfg((c) => (c.spec.template.spec.volumes = [{ name: 'cfg', configMap: { name: 'my-config' } }])),
    want: [`${T}.volumes[0].name`],
    msg: 'volume with name "cfg" not mounted',
  },
  {
    name: 'duplicate volume name',
    obj: cfg((c) => {
      c.spec.template.spec.volumes = [
        { name: 'v', emptyDir: {} },
        { name: 'v', emptyDir: {} },
      ];
      c.spec.template.spec.containers[0].volumeMounts = [{ name: 'v', mountPath: '/data' }];
    }),
    want: [`${T}.volumes[1].name`],
    msg: 'duplicate volume name "v"',
  },
  {
    name: 'mount without volume, relative path',
    obj: cfg(
      (c) => (c.spec.template.spec.containers[0].volumeMounts = [{ name: 'nope', mountPath: 'data', readOnly: true }]),
    ),
    want: [`${T}.containers[0].volumeMounts[0].mountPath`, `${T}.containers[0].volumeMounts[0].name`],
  },
  {
    name: 'mount at reserved path, configMap not readOnly',
    obj: cfg((c) => {
      c.spec.template.spec.volumes = [{ name: 'cfg', configMap: { name: 'c' } }];
      c.spec.template.spec.containers[0].volumeMounts = [{ name: 'cfg', mountPath: '/dev' }];
    }),
    want: [`${T}.containers[0].volumeMounts[0].mountPath`, `${T}.containers[0].volumeMounts[0].readOnly`],
  },
  {
    name: 'hostPath volume forbidden',
    obj: cfg((c) => {
      c.spec.template.spec.volumes = [{ name: 'h', hostPath: { path: '/' } }];
      c.spec.template.spec.containers[0].volumeMounts = [{ name: 'h', mountPath: '/h', readOnly: true }];
    }),
    want: [`${T}.volumes[0].hostPath`],
    msg: 'must not set the field(s)',
  },
  {
    name: 'mountPropagation forbidden',
    obj: cfg((c) => {
      c.spec.template.spec.volumes = [{ name: 'v', emptyDir: {} }];
      c.spec.template.spec.containers[0].volumeMounts = [
        { name: 'v', mountPath: '/data', mountPropagation: 'Bidirectional' },
      ];
    }),
    want: [`${T}.containers[0].volumeMounts[0].mountPropagation`],
  },
];

describe('Configuration validation', () => {
  it.each(cases)('$name', expectCase);

  it('a Service-owned Configuration does not check creator annotations on update', () => {
    const old = cfg((c) => {
      c.metadata.ownerReferences = owner;
      c.metadata.annotations = { 'serving.knative.dev/creator': 'a' };
    });
    const next = structuredClone(old) as any;
    next.metadata.annotations['serving.knative.dev/creator'] = 'b';
    expect(problems(next, { old })).toEqual([]);
  });

  it('a standalone Configuration keeps its creator', () => {
    const old = cfg((c) => (c.metadata.annotations = { 'serving.knative.dev/creator': 'a' }));
    const next = structuredClone(old) as any;
    next.metadata.annotations['serving.knative.dev/creator'] = 'b';
    expect(problems(next, { old }).map((p) => p.path)).toEqual(['metadata.annotations.serving.knative.dev/creator']);
  });
});
