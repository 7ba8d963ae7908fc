import { describe, expect, it } from 'vitest';
import {
  expectCase,
  problems,
  serviceFixture as svc,
  type ValidationCase as Case,
} from '../../../test-support/validation.js';
import { validateResource, type ValidationContext } from '../validation.js';

function paths(obj: unknown, ctx?: ValidationContext): string[] {
  return problems(obj, ctx).map((p) => p.path);
}

const T = 'spec.template.spec';
const C0 = `${T}.containers[0]`;

const cases: Case[] = [
  { name: 'valid defaulted service', obj: svc(), want: [] },
  {
    name: 'valid with digest image',
    obj: svc((s) => (s.spec.template.spec.containers[0].image = `hello.wasm@sha256:${'a'.repeat(64)}`)),
    want: [],
  },
  {
    name: 'valid with OCI image',
    obj: svc((s) => (s.spec.template.spec.containers[0].image = 'gcr.io/knative-samples/helloworld-go:latest')),
    want: [],
  },
  {
    name: 'valid process revision',
    obj: svc((s) =>
      Object.assign(s.spec.template.spec.containers[0], { image: 'node:20', command: ['node', 'server.js'] }),
    ),
    want: [],
    ctx: { features: { processRevisions: true } },
  },
  {
    name: 'process revision while the feature is off (the default)',
    obj: svc((s) =>
      Object.assign(s.spec.template.spec.containers[0], { image: 'node:20', command: ['node', 'server.js'] }),
    ),
    want: [`spec.template.spec.containers[0].command`],
    msg: 'kedge.process-revisions: enabled',
  },
  {
    name: 'bad digest',
    obj: svc((s) => (s.spec.template.spec.containers[0].image = 'hello.wasm@sha256:abc')),
    want: [`${C0}.image`],
    msg: 'Failed to parse image reference',
  },
  {
    name: 'image with spaces',
    obj: svc((s) => (s.spec.template.spec.containers[0].image = 'my image')),
    want: [`${C0}.image`],
  },
  {
    name: 'image upper case repo',
    obj: svc((s) => (s.spec.template.spec.containers[0].image = 'InvalidImage!')),
    want: [`${C0}.image`],
  },
  {
    name: 'missing image',
    obj: svc((s) => delete s.spec.template.spec.containers[0].image),
    want: [`${C0}.image`],
    msg: 'missing field(s)',
  },
  {
    name: 'missing name and generateName',
    obj: svc((s) => delete s.metadata.name),
    want: ['metadata.name'],
    msg: 'name or generateName is required',
  },
  {
    name: 'generateName only is valid',
    obj: svc((s) => {
      delete s.metadata.name;
      s.metadata.generateName = 'hello-';
    }),
    want: [],
  },
  {
    name: 'bad generateName',
    obj: svc((s) => {
      delete s.metadata.name;
      s.metadata.generateName = '1hello-';
    }),
    want: ['metadata.generateName'],
    msg: 'not a DNS 1035 label prefix',
  },
  {
    name: 'name upper case',
    obj: svc((s) => (s.metadata.name = 'Hello')),
    want: ['metadata.name'],
    msg: 'not a DNS 1035 label',
  },
  { name: 'name starts with digit', obj: svc((s) => (s.metadata.name = '1hello')), want: ['metadata.name'] },
  {
    name: 'name too long',
    obj: svc((s) => (s.metadata.name = `a${'b'.repeat(63)}`)),
    want: ['metadata.name'],
    msg: 'must be no more than 63 characters',
  },
  { name: 'name of 63 chars ok', obj: svc((s) => (s.metadata.name = `a${'b'.repeat(62)}`)), want: [] },
  { name: 'bad namespace', obj: svc((s) => (s.metadata.namespace = 'Not_OK')), want: ['metadata.namespace'] },
  {
    name: 'autoscaling annotation on service',
    obj: svc((s) => (s.metadata.annotations = { 'autoscaling.knative.dev/min-scale': '1' })),
    want: ['metadata.annotations'],
    msg: 'invalid key name "autoscaling.knative.dev/min-scale"',
  },
  {
    name: 'rollout-duration ok',
    obj: svc((s) => (s.metadata.annotations = { 'serving.knative.dev/rollout-duration': '120s' })),
    want: [],
  },
  {
    name: 'rollout-duration not a duration',
    obj: svc((s) => (s.metadata.annotations = { 'serving.knative.dev/rollout-duration': 'soon' })),
    want: ['metadata.annotations.serving.knative.dev/rollout-duration'],
  },
  {
    name: 'rollout-duration sub-second',
    obj: svc((s) => (s.metadata.annotations = { 'serving.knative.dev/rollout-duration': '1500ms' })),
    want: ['metadata.annotations.serving.knative.dev/rollout-duration'],
    msg: 'not at second precision',
  },
  {
    name: 'rollout-duration negative',
    obj: svc((s) => (s.metadata.annotations = { 'serving.knative.dev/rollout-duration': '-5s' })),
    want: ['metadata.annotations.serving.knative.dev/rollout-duration'],
    msg: 'must be positive',
  },
  {
    name: 'unknown serving label allowed',
    obj: svc((s) => (s.metadata.labels = { 'serving.knative.dev/whatever': 'x' })),
    want: [],
  },
  {
    name: 'visibility cluster-local ok',
    obj: svc((s) => (s.metadata.labels = { 'networking.knative.dev/visibility': 'cluster-local' })),
    want: [],
  },
  {
    name: 'visibility other value',
    obj: svc((s) => (s.metadata.labels = { 'networking.knative.dev/visibility': 'public' })),
    want: ['metadata.labels.networking.knative.dev/visibility'],
  },
  {
    name: 'bad label value',
    obj: svc((s) => (s.metadata.labels = { app: 'has space' })),
    want: ['metadata.labels.app'],
  },
  {
    name: 'bad label key',
    obj: svc((s) => (s.metadata.labels = { 'bad key': 'x' })),
    want: ['metadata.labels'],
    msg: 'invalid key name',
  },
  { name: 'BYO revision name ok', obj: svc((s) => (s.spec.template.metadata = { name: 'hello-v1' })), want: [] },
  {
    name: 'BYO revision name without prefix',
    obj: svc((s) => (s.spec.template.metadata = { name: 'other-v1' })),
    want: ['spec.template.metadata.name'],
    msg: '"other-v1" must have prefix "hello-"',
  },
  {
    name: 'BYO revision name not DNS',
    obj: svc((s) => (s.spec.template.metadata = { name: 'hello_v1' })),
    want: ['spec.template.metadata.name'],
    msg: 'not a DNS 1035 label',
  },
  {
    name: 'BYO name with generateName parent',
    obj: svc((s) => {
      delete s.metadata.name;
      s.metadata.generateName = 'hello-';
      s.spec.template.metadata = { name: 'hello-v1' };
    }),
    want: ['spec.template.metadata.name'],
    msg: 'must not set the field(s)',
  },
  {
    name: 'BYO name when the API already generated the parent name',
    obj: svc((s) => {
      s.metadata.name = 'hello-x7k2p';
      s.metadata.generateName = 'hello-';
      s.spec.template.metadata = { name: 'hello-x7k2p-v1' };
    }),
    want: ['spec.template.metadata.name'],
    msg: 'must not set the field(s)',
  },
  {
    name: 'template generateName bad',
    obj: svc((s) => (s.spec.template.metadata = { generateName: 'X-' })),
    want: ['spec.template.metadata.generateName'],
  },
  { name: 'missing spec', obj: svc((s) => delete s.spec), want: ['spec'] },
  { name: 'missing template', obj: svc((s) => delete s.spec.template), want: ['spec.template'] },
  {
    name: 'no containers',
    obj: svc((s) => (s.spec.template.spec.containers = [])),
    want: [`${T}.containers`],
    msg: 'missing field(s)',
  },
  {
    name: 'timeout too large',
    obj: svc((s) => (s.spec.template.spec.timeoutSeconds = 601)),
    want: [`${T}.timeoutSeconds`],
    msg: 'expected 0 <= 601 <= 600',
  },
  {
    name: 'timeout negative',
    obj: svc((s) => (s.spec.template.spec.timeoutSeconds = -1)),
    want: [`${T}.timeoutSeconds`],
  },
  {
    name: 'timeout not integer',
    obj: svc((s) => (s.spec.template.spec.timeoutSeconds = '30')),
    want: [`${T}.timeoutSeconds`],
  },
  {
    name: 'timeout max from config',
    obj: svc((s) => (s.spec.template.spec.timeoutSeconds = 700)),
    ctx: {
      config: {
        revisionTimeoutSeconds: 300,
        maxRevisionTimeoutSeconds: 900,
        containerConcurrency: 0,
        containerConcurrencyMaxLimit: 1000,
      },
    },
    want: [],
  },
  {
    name: 'responseStart above timeout',
    obj: svc((s) => Object.assign(s.spec.template.spec, { timeoutSeconds: 60, responseStartTimeoutSeconds: 61 })),
    want: [`${T}.responseStartTimeoutSeconds`],
    msg: 'expected 0 <= 61 <= 60',
  },
  {
    name: 'responseStart ok',
    obj: svc((s) => Object.assign(s.spec.template.spec, { timeoutSeconds: 60, responseStartTimeoutSeconds: 30 })),
    want: [],
  },
  {
    name: 'idle above max',
    obj: svc((s) => (s.spec.template.spec.idleTimeoutSeconds = 601)),
    want: [`${T}.idleTimeoutSeconds`],
    msg: 'expected 0 <= 601 <= 600',
  },
  {
    name: 'containerConcurrency above limit',
    obj: svc((s) => (s.spec.template.spec.containerConcurrency = 1001)),
    want: [`${T}.containerConcurrency`],
    msg: 'expected 0 <= 1001 <= 1000',
  },
  {
    name: 'containerConcurrency negative',
    obj: svc((s) => (s.spec.template.spec.containerConcurrency = -1)),
    want: [`${T}.containerConcurrency`],
  },
  {
    name: 'containerConcurrency zero disallowed by config',
    obj: svc((s) => (s.spec.template.spec.containerConcurrency = 0)),
    ctx: {
      config: {
        revisionTimeoutSeconds: 300,
        maxRevisionTimeoutSeconds: 600,
        containerConcurrency: 0,
        containerConcurrencyMaxLimit: 1000,
        allowContainerConcurrencyZero: false,
      },
    },
    want: [`${T}.containerConcurrency`],
    msg: 'expected 1 <= 0 <= 1000',
  },
  {
    name: 'reserved env K_SERVICE',
    obj: svc((s) => (s.spec.template.spec.containers[0].env = [{ name: 'K_SERVICE', value: 'x' }])),
    want: [`${C0}.env[0].name`],
    msg: '"K_SERVICE" is a reserved environment variable',
  },
  {
    name: 'reserved env K_CONFIGURATION',
    obj: svc(
      (s) => (s.spec.template.spec.containers[0].env = [{ name: 'OK', value: '1' }, { name: 'K_CONFIGURATION' }]),
    ),
    want: [`${C0}.env[1].name`],
  },
  {
    name: 'reserved env K_REVISION and PORT',
    obj: svc((s) => (s.spec.template.spec.containers[0].env = [{ name: 'K_REVISION' }, { name: 'PORT' }])),
    want: [`${C0}.env[0].name`, `${C0}.env[1].name`],
  },
  {
    name: 'env without name',
    obj: svc((s) => (s.spec.template.spec.containers[0].env = [{ value: 'x' }])),
    want: [`${C0}.env[0].name`],
    msg: 'missing field(s)',
  },
  {
    name: 'env value and valueFrom',
    obj: svc(
      (s) =>
        (s.spec.template.spec.containers[0].env = [
          { name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ]),
    ),
    want: [`${C0}.env[0].valueFrom`],
  },
  {
    name: 'env fieldRef is feature-gated',
    obj: svc(
      (s) =>
        (s.spec.template.spec.containers[0].env = [
          { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ]),
    ),
    want: [`${C0}.env[0].valueFrom.fieldRef`],
    msg: 'must not set the field(s)',
  },
  {
    name: 'envFrom neither',
    obj: svc((s) => (s.spec.template.spec.containers[0].envFrom = [{ prefix: 'X_' }])),
    want: [`${C0}.envFrom[0].configMapRef`, `${C0}.envFrom[0].secretRef`],
    msg: 'expected exactly one, got neither',
  },
  {
    name: 'envFrom both',
    obj: svc(
      (s) => (s.spec.template.spec.containers[0].envFrom = [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }]),
    ),
    want: [`${C0}.envFrom[0].configMapRef`, `${C0}.envFrom[0].secretRef`],
    msg: 'expected exactly one, got both',
  },
  {
    name: 'reserved port 8012',
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: 8012 }])),
    want: [`${C0}.ports[0].containerPort`],
    msg: 'invalid value: 8012',
  },
  ...[8013, 8022, 9090, 9091, 8008].map((port) => ({
    name: `reserved port ${port}`,
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: port }])),
    want: [`${C0}.ports[0].containerPort`],
  })),
  {
    name: 'port out of range',
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: 70000 }])),
    want: [`${C0}.ports[0].containerPort`],
    msg: 'expected 0 <= 70000 <= 65535',
  },
  {
    name: 'port name h2c ok',
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: 8081, name: 'h2c' }])),
    want: [],
  },
  {
    name: 'port name arbitrary',
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: 8081, name: 'foo' }])),
    want: [`${C0}.ports[0].name`],
    msg: 'Port name foo is not allowed',
  },
  {
    name: 'port protocol UDP',
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: 8081, protocol: 'UDP' }])),
    want: [`${C0}.ports[0].protocol`],
  },
  {
    name: 'hostPort',
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: 8081, hostPort: 80 }])),
    want: [`${C0}.ports[0].hostPort`],
    msg: 'must not set the field(s)',
  },
  {
    name: 'two ports',
    obj: svc((s) => (s.spec.template.spec.containers[0].ports = [{ containerPort: 8081 }, { containerPort: 8082 }])),
    want: [`${C0}.ports`],
    msg: 'more than one container port is set',
  },
  ...['lifecycle', 'stdin', 'stdinOnce', 'tty', 'volumeDevices'].map((f) => ({
    name: `forbidden container field ${f}`,
    obj: svc(
      (s) =>
        (s.spec.template.spec.containers[0][f] =
          f === 'lifecycle' ? { preStop: {} } : f === 'volumeDevices' ? [] : true),
    ),
    want: [`${C0}.${f}`],
    msg: 'must not set the field(s)',
  })),
  {
    name: 'unknown container field',
    obj: svc((s) => (s.spec.template.spec.containers[0].imagePullPolcy = 'Always')),
    want: [`${C0}.imagePullPolcy`],
    msg: 'unknown field',
  },
  {
    name: 'unknown field allowed with Ignore',
    obj: svc((s) => (s.spec.template.spec.containers[0].imagePullPolcy = 'Always')),
    ctx: { fieldValidation: 'Ignore' },
    want: [],
  },
  { name: 'unknown top-level field', obj: svc((s) => (s.extra = 1)), want: ['extra'], msg: 'unknown field' },
  { name: 'unknown spec field', obj: svc((s) => (s.spec.templat = {})), want: ['spec.templat'] },
  {
    name: 'bad imagePullPolicy',
    obj: svc((s) => (s.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes')),
    want: [`${C0}.imagePullPolicy`],
  },
  {
    name: 'bad terminationMessagePolicy',
    obj: svc((s) => (s.spec.template.spec.containers[0].terminationMessagePolicy = 'Never')),
    want: [`${C0}.terminationMessagePolicy`],
  },
  {
    name: 'reserved container name',
    obj: svc((s) => (s.spec.template.spec.containers[0].name = 'queue-proxy')),
    want: [`${C0}.name`],
    msg: '"queue-proxy" is a reserved container name',
  },
  {
    name: 'runAsUser negative',
    obj: svc((s) => (s.spec.template.spec.containers[0].securityContext = { runAsUser: -10 })),
    want: [`${C0}.securityContext.runAsUser`],
    msg: 'expected 0 <= -10 <= 2147483647',
  },
  {
    name: 'privileged forbidden',
    obj: svc((s) => (s.spec.template.spec.containers[0].securityContext = { privileged: true })),
    want: [`${C0}.securityContext.privileged`],
  },
  {
    name: 'capabilities add forbidden',
    obj: svc(
      (s) =>
        (s.spec.template.spec.containers[0].securityContext = { capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } }),
    ),
    want: [`${C0}.securityContext.capabilities.add`],
  },
  {
    name: 'resources ok',
    obj: svc(
      (s) =>
        (s.spec.template.spec.containers[0].resources = {
          requests: { cpu: '100m', memory: '64Mi' },
          limits: { cpu: '1', memory: '128Mi' },
        }),
    ),
    want: [],
  },
  {
    name: 'resources bad quantity',
    obj: svc((s) => (s.spec.template.spec.containers[0].resources = { limits: { memory: 'lots' } })),
    want: [`${C0}.resources.limits.memory`],
  },
  {
    name: 'request above limit',
    obj: svc(
      (s) => (s.spec.template.spec.containers[0].resources = { requests: { cpu: '2' }, limits: { cpu: '500m' } }),
    ),
    want: [`${C0}.resources.requests.cpu`],
  },
  {
    name: 'resource claims forbidden',
    obj: svc((s) => (s.spec.template.spec.containers[0].resources = { claims: [{ name: 'gpu' }] })),
    want: [`${C0}.resources.claims`],
  },
  {
    name: 'serviceAccountName invalid',
    obj: svc((s) => (s.spec.template.spec.serviceAccountName = 'foo@bar.baz')),
    want: [`${T}.serviceAccountName`],
  },
  {
    name: 'podspec gated field',
    obj: svc((s) => (s.spec.template.spec.nodeSelector = { a: 'b' })),
    want: [`${T}.nodeSelector`],
    msg: 'must not set the field(s)',
  },
  {
    name: 'podspec gated field enabled',
    obj: svc((s) => (s.spec.template.spec.nodeSelector = { a: 'b' })),
    ctx: { features: { podSpecFields: ['nodeSelector'] } },
    want: [],
  },
  {
    name: 'podspec forbidden field',
    obj: svc((s) => (s.spec.template.spec.restartPolicy = 'Never')),
    want: [`${T}.restartPolicy`],
  },
  { name: 'traffic to latest default is valid', obj: svc(), want: [] },
  {
    name: 'traffic configurationName forbidden in service',
    obj: svc((s) => (s.spec.traffic = [{ configurationName: 'hello', percent: 100, latestRevision: true }])),
    want: ['spec.traffic[0].configurationName'],
    msg: 'must not set the field(s)',
  },
  {
    name: 'traffic sum 90',
    obj: svc((s) => (s.spec.traffic = [{ latestRevision: true, percent: 90 }])),
    want: ['spec.traffic'],
    msg: 'Traffic targets sum to 90, want 100',
  },
  {
    name: 'traffic split 50/50 with tag',
    obj: svc(
      (s) =>
        (s.spec.traffic = [
          { revisionName: 'hello-00001', percent: 50, latestRevision: false, tag: 'blue' },
          { latestRevision: true, percent: 50, tag: 'green' },
        ]),
    ),
    want: [],
  },
  {
    name: 'traffic url in spec',
    obj: svc((s) => (s.spec.traffic = [{ latestRevision: true, percent: 100, tag: 'a', url: 'http://a' }])),
    want: ['spec.traffic[0].url'],
  },
  {
    name: 'empty traffic without defaults',
    obj: svc((s) => delete s.spec.traffic, false),
    want: ['spec.traffic'],
    msg: 'Traffic targets sum to 0, want 100',
  },
  {
    name: 'all problems at once',
    obj: svc((s) => {
      s.metadata.name = 'Bad';
      s.spec.template.spec.timeoutSeconds = 9999;
      s.spec.template.spec.containers[0].env = [{ name: 'K_REVISION' }];
      s.spec.traffic[0].percent = 10;
    }),
    want: ['metadata.name', `${C0}.env[0].name`, `${T}.timeoutSeconds`, 'spec.traffic'],
  },
  {
    name: 'annotation value is a number (unquoted YAML)',
    obj: svc((s) => (s.spec.template.metadata = { annotations: { 'autoscaling.knative.dev/min-scale': 1 } })),
    want: ['spec.template.metadata.annotations.autoscaling.knative.dev/min-scale'],
    msg: 'must be a string',
  },
  {
    name: 'containers not a list',
    obj: svc((s) => (s.spec.template.spec.containers = { image: 'a.wasm' })),
    want: [`${T}.containers`],
    msg: 'must be a list',
  },
  {
    name: 'env not a list',
    obj: svc((s) => (s.spec.template.spec.containers[0].env = { A: 'b' })),
    want: [`${C0}.env`],
  },
  {
    name: 'command not strings',
    obj: svc((s) => (s.spec.template.spec.containers[0].command = ['node', 3])),
    want: [`${C0}.command[1]`],
    ctx: { features: { processRevisions: true } },
  },
  { name: 'traffic not a list', obj: svc((s) => (s.spec.traffic = { percent: 100 })), want: ['spec.traffic'] },
  {
    name: 'percent as string',
    obj: svc((s) => (s.spec.traffic = [{ latestRevision: true, percent: '100' }])),
    want: ['spec.traffic', 'spec.traffic[0].percent'],
  },
  {
    name: 'latestRevision as string',
    obj: svc((s) => (s.spec.traffic = [{ latestRevision: 'true', percent: 100 }])),
    want: ['spec.traffic[0].latestRevision'],
  },
  { name: 'metadata.labels not a map', obj: svc((s) => (s.metadata.labels = ['a'])), want: ['metadata.labels'] },
  { name: 'wrong apiVersion', obj: svc((s) => (s.apiVersion = 'serving.knative.dev/v1alpha1')), want: ['apiVersion'] },
  { name: 'missing apiVersion', obj: svc((s) => delete s.apiVersion), want: ['apiVersion'], msg: 'missing field(s)' },
  { name: 'unknown kind', obj: svc((s) => (s.kind = 'Servic')), want: ['kind'] },
];

describe('Service validation', () => {
  it.each(cases)('$name', expectCase);

  it('renders Knative-style `path: message` lines, sorted', () => {
    const err = validateResource(svc((s) => (s.spec.template.spec.containers[0].image = '')));
    expect(err?.message).toBe('spec.template.spec.containers[0].image: missing field(s)');
  });

  describe('updates', () => {
    const old = svc((s) => {
      s.spec.template.metadata = { name: 'hello-v1' };
      s.metadata.annotations = { 'serving.knative.dev/creator': 'alice', 'serving.knative.dev/lastModifier': 'alice' };
    });
    it('same BYO name with a changed template is rejected', () => {
      const next = structuredClone(old) as any;
      next.spec.template.spec.containers[0].image = 'other.wasm';
      const ps = problems(next, { old });
      expect(ps.map((p) => p.path)).toEqual(['spec.template.metadata.name']);
      expect(ps[0]!.message).toMatch(/^Saw the following changes without a name change \(-old \+new\)/);
      expect(ps[0]!.message).toContain('other.wasm');
    });
    it('a new BYO name with a changed template is fine', () => {
      const next = structuredClone(old) as any;
      next.spec.template.metadata.name = 'hello-v2';
      next.spec.template.spec.containers[0].image = 'other.wasm';
      expect(paths(next, { old })).toEqual([]);
    });
    it('creator is immutable', () => {
      const next = structuredClone(old) as any;
      next.metadata.annotations['serving.knative.dev/creator'] = 'mallory';
      expect(paths(next, { old })).toEqual(['metadata.annotations.serving.knative.dev/creator']);
    });
    it('lastModifier may not change without a spec change', () => {
      const next = structuredClone(old) as any;
      next.metadata.annotations['serving.knative.dev/lastModifier'] = 'bob';
      expect(paths(next, { old })).toEqual(['metadata.annotations.serving.knative.dev/lastModifier']);
    });
    it('status updates skip metadata and spec', () => {
      const next = svc((s) => (s.metadata.name = 'Bad'));
      expect(paths(next, { statusUpdate: true, old: svc((s) => (s.metadata.name = 'Bad')) })).toEqual([]);
    });
  });
});
