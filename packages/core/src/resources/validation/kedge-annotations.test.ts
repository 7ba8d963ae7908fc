import { describe, expect, it } from 'vitest';
import type { Service } from '../types.js';
import { applyDefaults } from '../defaults.js';
import { validateResource } from '../validation.js';
import { CPU_LIMIT_MS_MAX } from '../../config/runner.js';
import { readCpuLimitMs, readInstancePerRequest, readOutboundPolicy, readWarmInstances } from './kedge-annotations.js';

function svc(annotations: Record<string, string>): Service {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'hello', namespace: 'example' },
    spec: {
      template: { metadata: { annotations }, spec: { containers: [{ image: `hello.wasm@sha256:${'a'.repeat(64)}` }] } },
    },
  } as Service;
}

const A = 'spec.template.metadata.annotations';

function check(annotations: Record<string, string>) {
  const warnings: string[] = [];
  const problems = validateResource(applyDefaults(svc(annotations)), { warnings })?.problems ?? [];
  return { paths: problems.map((p) => p.path), warnings };
}

describe("Kedge's revision annotations", () => {
  it('warns when warm-instances is clamped, and accepts it', () => {
    const r = check({ 'kedge.dev/warm-instances': '999' });
    expect(r.paths).toEqual([]);
    expect(r.warnings).toEqual([
      `${A}.kedge.dev/warm-instances: 999 is above the most Kedge keeps; 8 warm instances are kept`,
    ]);
  });

  it('warns when cpu-limit-ms is clamped, and accepts it', () => {
    const r = check({ 'kedge.dev/cpu-limit-ms': '900000' });
    expect(r.paths).toEqual([]);
    expect(r.warnings).toEqual([
      `${A}.kedge.dev/cpu-limit-ms: 900000 is above the most Kedge allows; the guests' CPU limit is 600000 ms`,
    ]);
  });

  it.each([
    ['kedge.dev/warm-instances', 'many'],
    ['kedge.dev/warm-instances', '-1'],
    ['kedge.dev/outbound', 'everything'],
    ['kedge.dev/instance-per-request', 'yes'],
    ['kedge.dev/cpu-limit-ms', '0'],
    ['kedge.dev/cpu-limit-ms', '-5'],
    ['kedge.dev/cpu-limit-ms', '1.5'],
    ['kedge.dev/cpu-limit-ms', '2s'],
  ])('rejects %s: %s with the field', (key, value) => {
    const r = check({ [key]: value });
    expect(r.paths).toEqual([`${A}.${key}`]);
  });

  it.each([
    ['kedge.dev/warm-instances', '8'],
    ['kedge.dev/outbound', 'cluster-local'],
    ['kedge.dev/instance-per-request', 'false'],
    ['kedge.dev/cpu-limit-ms', '1'],
    ['kedge.dev/cpu-limit-ms', '600000'],
    ['autoscaling.knative.dev/class', 'kpa.autoscaling.knative.dev'],
  ])('accepts %s: %s silently', (key, value) => {
    expect(check({ [key]: value })).toEqual({ paths: [], warnings: [] });
  });

  it('warns that a class Kedge does not run is scaled by the KPA', () => {
    const r = check({ 'autoscaling.knative.dev/class': 'custom.example.com' });
    expect(r.paths).toEqual([]);
    expect(r.warnings).toEqual([
      `${A}.autoscaling.knative.dev/class: Kedge runs the KPA and HPA classes; this revision is scaled by kpa.autoscaling.knative.dev, not custom.example.com`,
    ]);
  });

  it('accepts the HPA class with metric cpu or memory silently, and refuses any other metric on it by field', () => {
    const hpa = { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev' };
    expect(check(hpa)).toEqual({ paths: [], warnings: [] });
    for (const metric of ['cpu', 'memory'])
      expect(check({ ...hpa, 'autoscaling.knative.dev/metric': metric })).toEqual({ paths: [], warnings: [] });
    for (const metric of ['rps', 'concurrency', 'queue-depth'])
      expect(check({ ...hpa, 'autoscaling.knative.dev/metric': metric }).paths).toEqual([
        `${A}.autoscaling.knative.dev/metric`,
      ]);
  });

  it("keeps Knative's field error for an unknown *.knative.dev class", () => {
    expect(check({ 'autoscaling.knative.dev/class': 'nope.autoscaling.knative.dev' }).paths).toEqual([
      `${A}.autoscaling.knative.dev/class`,
    ]);
  });
});

describe("the runner's readers of Kedge's annotations", () => {
  const rev = (annotations: Record<string, string>) => ({ metadata: { annotations } });
  it('reads what admission accepts and clamps as it warns', () => {
    expect(readCpuLimitMs(rev({}), 30_000)).toBe(30_000);
    expect(readCpuLimitMs(rev({ 'kedge.dev/cpu-limit-ms': '250' }), 30_000)).toBe(250);
    expect(readCpuLimitMs(rev({ 'kedge.dev/cpu-limit-ms': '900000' }), 30_000)).toBe(CPU_LIMIT_MS_MAX);
    expect(readWarmInstances(rev({}))).toBe(2);
    expect(readWarmInstances(rev({ 'kedge.dev/warm-instances': '999' }))).toBe(8);
    expect(readOutboundPolicy(rev({ 'kedge.dev/outbound': 'cluster-local' }))).toBe('cluster-local');
    expect(readOutboundPolicy(rev({}))).toBe('none');
    expect(readInstancePerRequest(rev({ 'kedge.dev/instance-per-request': 'false' }))).toBe(false);
    expect(readInstancePerRequest(rev({}))).toBe(undefined);
  });

  it('falls back to the default for a value admission refuses (stored before this check existed)', () => {
    for (const v of ['0', '-1', '1.5', 'x'])
      expect(readCpuLimitMs(rev({ 'kedge.dev/cpu-limit-ms': v }), 123)).toBe(123);
    expect(readWarmInstances(rev({ 'kedge.dev/warm-instances': 'many' }))).toBe(2);
    expect(readOutboundPolicy(rev({ 'kedge.dev/outbound': 'everything' }))).toBe('none');
  });
});
