import { describe, expect, it } from 'vitest';
import { callFetch, restAppPerTest } from '../../test-support/harness.js';

// Admission rules of docs/security.md: process revisions gated, config maps checked whole, warnings
// for values read differently from what was written, and malformed names or bodies answered 4xx.

const NS = '/apis/serving.knative.dev/v1/namespaces/example';
const CM = '/api/v1/namespaces/knative-serving/configmaps';

function service(name: string, container: Record<string, unknown>, annotations?: Record<string, string>) {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: 'example' },
    spec: { template: { ...(annotations ? { metadata: { annotations } } : {}), spec: { containers: [container] } } },
  };
}
const WASM = { image: `hello.wasm@sha256:${'a'.repeat(64)}` };
const PROCESS = { image: 'node:20', command: ['node', 'server.mjs'] };

const rest = restAppPerTest('kedge-admission-');

const call = (method: string, path: string, body?: unknown, type = 'application/json') =>
  callFetch(rest.app.fetch, method, path, body, { 'content-type': type });

const causes = (body: any) => (body.details?.causes ?? []).map((c: any) => c.field);

describe('process revisions are off unless config-features turns them on', () => {
  it('refuses a container with command, naming the field and how to enable it; nothing stored', async () => {
    const r = await call('POST', `${NS}/services`, service('proc', PROCESS));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.template.spec.containers[0].command']);
    expect(r.body.message).toContain('kedge.process-revisions: enabled');
    expect(r.body.message).toContain('config-features');
    expect(await rest.store.get('Service', 'example', 'proc')).toBeUndefined();
    // A Revision written directly is gated the same way.
    const rev = await call('POST', `${NS}/revisions`, {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: { name: 'r' },
      spec: { containers: [PROCESS] },
    });
    expect(rev.status).toBe(422);
    expect(causes(rev.body)).toEqual(['spec.containers[0].command']);
  });

  it('accepts it once an operator enabled the feature', async () => {
    const changed = new Promise<void>((resolve) =>
      rest.config.onChange((name) => name === 'config-features' && resolve()),
    );
    const cm = await call('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-features' },
      data: { 'kedge.process-revisions': 'enabled' },
    });
    expect(cm.status).toBe(201);
    await changed;
    expect((await call('POST', `${NS}/services`, service('proc', PROCESS))).status).toBe(201);
  });
});

describe('config maps are validated whole at admission', () => {
  it.each([
    ['config-autoscaler', { 'stable-window': '-1s' }, 'data.stable-window'],
    ['config-autoscaler', { 'scale-to-zero-grace-period': '0s' }, 'data.scale-to-zero-grace-period'],
    [
      'config-autoscaler',
      { 'container-concurrency-target-percentage': '0' },
      'data.container-concurrency-target-percentage',
    ],
    ['config-domain', { 'example.com': 'selector: [' }, 'data.example.com'],
    ['config-defaults', { 'revision-timeout-seconds': '-5' }, 'data.revision-timeout-seconds'],
    ['config-gc', { 'retain-since-create-time': 'forever' }, 'data.retain-since-create-time'],
    ['config-features', { 'kedge.process-revisions': 'yes' }, 'data.kedge.process-revisions'],
    ['config-kedge-runner', { 'cpu-limit-ms': '0' }, 'data.cpu-limit-ms'],
    ['config-kedge-runner', { 'max-workers': 'many' }, 'data.max-workers'],
    ['config-kedge-runner', { 'stop-grace-ms': '600001' }, 'data.stop-grace-ms'],
  ])('%s %j → 422 with the field, nothing stored', async (name, data, field) => {
    const r = await call('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
    expect(r.status).toBe(422);
    expect(causes(r.body)).toContain(field);
    expect(await rest.store.get('ConfigMap', 'knative-serving', name)).toBeUndefined();
  });

  it('refuses a bad value on update too and keeps what was stored', async () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-autoscaler' },
      data: { 'stable-window': '60s' },
    };
    expect((await call('POST', CM, cm)).status).toBe(201);
    const r = await call(
      'PATCH',
      `${CM}/config-autoscaler`,
      { data: { 'stable-window': '-1s' } },
      'application/merge-patch+json',
    );
    expect(r.status).toBe(422);
    expect(((await rest.store.get('ConfigMap', 'knative-serving', 'config-autoscaler')) as any).data).toEqual({
      'stable-window': '60s',
    });
  });
});

describe('annotation values: warnings and field errors', () => {
  it("checks max-scale against the stored config-autoscaler's max-scale-limit", async () => {
    const changed = new Promise<void>((resolve) =>
      rest.config.onChange((name) => name === 'config-autoscaler' && resolve()),
    );
    const cm = await call('POST', CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-autoscaler' },
      data: { 'max-scale-limit': '10', 'max-scale': '5' },
    });
    expect(cm.status).toBe(201);
    await changed;
    const r = await call('POST', `${NS}/services`, service('big', WASM, { 'autoscaling.knative.dev/max-scale': '20' }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.template.metadata.annotations.autoscaling.knative.dev/max-scale']);
  });

  it('accepts a clamped warm-instances with a Warning header kubectl prints', async () => {
    const r = await call('POST', `${NS}/services`, service('warm', WASM, { 'kedge.dev/warm-instances': '999' }));
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe(
      '299 - "spec.template.metadata.annotations.kedge.dev/warm-instances: 999 is above the most Kedge keeps; 8 warm instances are kept"',
    );
  });

  it('accepts a clamped cpu-limit-ms with a Warning header', async () => {
    const r = await call('POST', `${NS}/services`, service('cpu', WASM, { 'kedge.dev/cpu-limit-ms': '900000' }));
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe(
      `299 - "spec.template.metadata.annotations.kedge.dev/cpu-limit-ms: 900000 is above the most Kedge allows; the guests' CPU limit is 600000 ms"`,
    );
  });

  it.each(['0', '-1', '2.5', '30s'])('refuses cpu-limit-ms %s with the field, nothing stored', async (value) => {
    const r = await call('POST', `${NS}/services`, service('cpu', WASM, { 'kedge.dev/cpu-limit-ms': value }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.template.metadata.annotations.kedge.dev/cpu-limit-ms']);
    expect(await rest.store.get('Service', 'example', 'cpu')).toBeUndefined();
  });

  it('warns about an autoscaling class Kedge does not run, not about the HPA', async () => {
    const custom = { 'autoscaling.knative.dev/class': 'custom.example.com' };
    const r = await call('POST', `${NS}/services`, service('custom', WASM, custom));
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toContain('Kedge runs the KPA and HPA classes');
    const hpaClass = { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev' };
    const hpa = await call('POST', `${NS}/services`, service('hpa', WASM, hpaClass));
    expect(hpa.status).toBe(201);
    expect(hpa.headers.get('warning')).toBeNull();
  });

  it('refuses a metric the HPA class does not scale on, naming the annotation', async () => {
    const anns = {
      'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': 'rps',
    };
    const r = await call('POST', `${NS}/services`, service('hparps', WASM, anns));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.template.metadata.annotations.autoscaling.knative.dev/metric']);
    expect(await rest.store.get('Service', 'example', 'hparps')).toBeUndefined();
  });

  it('refuses an outbound policy the runner does not know', async () => {
    const r = await call('POST', `${NS}/services`, service('out', WASM, { 'kedge.dev/outbound': 'everything' }));
    expect(r.status).toBe(422);
    expect(causes(r.body)).toEqual(['spec.template.metadata.annotations.kedge.dev/outbound']);
    expect(r.body.message).toContain('none, cluster-local, all');
  });

  it('sends no Warning header when nothing was adjusted', async () => {
    const r = await call('POST', `${NS}/services`, service('plain', WASM, { 'kedge.dev/warm-instances': '3' }));
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBeNull();
  });
});

describe('malformed input is 4xx, never 500', () => {
  it('answers a YAML alias bomb with 400', async () => {
    // "Billion laughs": each level is ten aliases of the one above, 10^11 nodes once expanded.
    const level = (i: number) => String.fromCharCode(97 + i);
    const lines = [`  a: &a [${Array(10).fill('"x"').join(',')}]`];
    for (let i = 1; i < 12; i++)
      lines.push(
        `  ${level(i)}: &${level(i)} [${Array(10)
          .fill(`*${level(i - 1)}`)
          .join(',')}]`,
      );
    const bomb = `apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: bomb\nspec:\n${lines.join('\n')}\n`;
    const r = await call('POST', `${NS}/services`, bomb, 'application/yaml');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(r.body.message).toMatch(/alias/i);
  });

  it.each(['..%2F..%2Fx', 'h%C3%A9', 'UPPER', 'a_b', '%00'])('answers name %s with 400 on every verb', async (name) => {
    for (const [method, body] of [['GET'], ['DELETE'], ['PUT', service('x', WASM)], ['PATCH', {}]] as const) {
      const r = await call(
        method,
        `${NS}/services/${name}`,
        body,
        method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
      );
      expect(r.status, `${method} ${name}`).toBe(400);
      expect(causes(r.body)).toEqual(['metadata.name']);
    }
  });

  it('answers a bad namespace in the URL with 400, reads included', async () => {
    const r = await call('GET', '/apis/serving.knative.dev/v1/namespaces/h%C3%A9/services');
    expect(r.status).toBe(400);
    expect(causes(r.body)).toEqual(['metadata.namespace']);
  });
});

describe('PATCH without a resourceVersion', () => {
  it('retries on conflict: 10 concurrent patches all succeed and all land', async () => {
    expect((await call('POST', `${NS}/services`, service('many', WASM))).status).toBe(201);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(
          'PATCH',
          `${NS}/services/many`,
          { metadata: { labels: { [`l${i}`]: 'x' } } },
          'application/merge-patch+json',
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const labels = ((await rest.store.get('Service', 'example', 'many')) as any).metadata.labels;
    expect(Object.keys(labels).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `l${i}`).sort());
  });
});
