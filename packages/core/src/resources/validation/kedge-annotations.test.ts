import { describe, expect, it } from 'vitest';
import type { Service } from '../types.js';
import { applyDefaults } from '../defaults.js';
import { validateResource } from '../validation.js';

function svc(annotations: Record<string, string>): Service {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'hello', namespace: 'example' },
    spec: { template: { metadata: { annotations }, spec: { containers: [{ image: `hello.wasm@sha256:${'a'.repeat(64)}` }] } } },
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
    expect(r.warnings).toEqual([`${A}.kedge.dev/warm-instances: 999 is above the most Kedge keeps; 8 warm instances are kept`]);
  });

  it.each([
    ['kedge.dev/warm-instances', 'many'],
    ['kedge.dev/warm-instances', '-1'],
    ['kedge.dev/outbound', 'everything'],
    ['kedge.dev/instance-per-request', 'yes'],
  ])('rejects %s: %s with the field', (key, value) => {
    const r = check({ [key]: value });
    expect(r.paths).toEqual([`${A}.${key}`]);
  });

  it.each([
    ['kedge.dev/warm-instances', '8'],
    ['kedge.dev/outbound', 'cluster-local'],
    ['kedge.dev/instance-per-request', 'false'],
    ['autoscaling.knative.dev/class', 'kpa.autoscaling.knative.dev'],
  ])('accepts %s: %s silently', (key, value) => {
    expect(check({ [key]: value })).toEqual({ paths: [], warnings: [] });
  });

  it('warns that another autoscaling class is scaled by the KPA', () => {
    for (const cls of ['hpa.autoscaling.knative.dev', 'custom.example.com']) {
      const r = check({ 'autoscaling.knative.dev/class': cls });
      expect(r.paths).toEqual([]);
      expect(r.warnings).toEqual([`${A}.autoscaling.knative.dev/class: Kedge runs only the KPA; this revision is scaled by kpa.autoscaling.knative.dev, not ${cls}`]);
    }
  });

  it("keeps Knative's field error for an unknown *.knative.dev class", () => {
    expect(check({ 'autoscaling.knative.dev/class': 'nope.autoscaling.knative.dev' }).paths).toEqual([`${A}.autoscaling.knative.dev/class`]);
  });
});
