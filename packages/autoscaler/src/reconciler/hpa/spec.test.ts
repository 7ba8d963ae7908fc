import type { Revision } from '@kedge/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOSCALER_CONFIG } from '../../config/autoscaler-config.js';
import { hpaSpec } from './spec.js';

const A = 'autoscaling.knative.dev/';
const rev = (
  annotations: Record<string, string>,
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> },
): Revision => ({
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Revision',
  metadata: {
    name: 'r-00001',
    namespace: 'default',
    annotations: { [`${A}class`]: 'hpa.autoscaling.knative.dev', ...annotations },
  },
  spec: { containers: [{ image: 'g.wasm', ...(resources ? { resources } : {}) }] },
});

describe('hpaSpec (Knative MakeHPA)', () => {
  it('cpu: the target is a percentage of the CPU request (or the limit when only that is set)', () => {
    expect(
      hpaSpec(
        rev({ [`${A}metric`]: 'cpu', [`${A}target`]: '50' }, { requests: { cpu: '250m' } }),
        DEFAULT_AUTOSCALER_CONFIG,
      ),
    ).toMatchObject({
      metric: 'cpu',
      target: 50,
      cpuRequestCores: 0.25,
      problems: [],
    });
    expect(hpaSpec(rev({ [`${A}target`]: '70.2' }, { limits: { cpu: '2' } }), DEFAULT_AUTOSCALER_CONFIG)).toMatchObject(
      { target: 71, cpuRequestCores: 2 },
    );
  });

  it('memory: the target is in Mi per instance', () => {
    expect(hpaSpec(rev({ [`${A}metric`]: 'memory', [`${A}target`]: '128' }), DEFAULT_AUTOSCALER_CONFIG)).toMatchObject({
      metric: 'memory',
      target: 128 * 1024 * 1024,
      problems: [],
    });
  });

  it('without a target, like Kubernetes: cpu at 80 % (also for metric memory, which it says)', () => {
    const s = hpaSpec(rev({ [`${A}metric`]: 'memory' }, { requests: { cpu: '1' } }), DEFAULT_AUTOSCALER_CONFIG);
    expect(s).toMatchObject({ metric: 'cpu', target: 80 });
    expect(s.problems).toEqual([
      `metadata.annotations.${A}target: not set; like Kubernetes, the HPA scales on cpu at 80 %`,
    ]);
  });

  it('names a missing CPU request and measures against one core', () => {
    const s = hpaSpec(rev({}), DEFAULT_AUTOSCALER_CONFIG);
    expect(s.cpuRequestCores).toBe(1);
    expect(s.problems).toEqual([
      'spec.containers[0].resources.requests.cpu: not set; the HPA measures CPU against 1 core',
    ]);
  });

  it('never below one instance; the window annotation sets both stabilization windows', () => {
    expect(hpaSpec(rev({ [`${A}min-scale`]: '0' }), DEFAULT_AUTOSCALER_CONFIG)).toMatchObject({
      minScale: 1,
      initialScale: 1,
      downscaleStabilizationSeconds: 300,
      upscaleStabilizationSeconds: 0,
    });
    expect(
      hpaSpec(
        rev({ [`${A}min-scale`]: '2', [`${A}max-scale`]: '5', [`${A}window`]: '60s' }),
        DEFAULT_AUTOSCALER_CONFIG,
      ),
    ).toMatchObject({
      minScale: 2,
      maxScale: 5,
      initialScale: 2,
      downscaleStabilizationSeconds: 60,
      upscaleStabilizationSeconds: 60,
    });
  });
});
