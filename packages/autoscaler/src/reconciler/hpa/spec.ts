import { Errs, HPA_METRICS, parseQuantity, readAutoscalingAnnotations, type Revision } from '@kedge/core';
import type { AutoscalerConfig } from '../../config/autoscaler-config.js';
import { DOWNSCALE_STABILIZATION_SECONDS } from './replicas.js';

/** Kubernetes' HPA with no metric scales on CPU at 80 % of the request. */
export const DEFAULT_CPU_UTILIZATION = 80;
const MI = 1024 * 1024;

/** What a revision of the HPA class resolves to (Knative's MakeHPA, pkg/reconciler/autoscaling/hpa/resources). */
export interface HpaSpec {
  metric: 'cpu' | 'memory';
  /** cpu: percent of the instance's CPU request; memory: bytes per instance. */
  target: number;
  /** CPU cores one instance requests (requests.cpu, else limits.cpu, else 1). */
  cpuRequestCores: number;
  /** At least 1: the HPA class does not scale to zero. */
  minScale: number;
  /** 0 = unbounded. */
  maxScale: number;
  initialScale: number;
  downscaleStabilizationSeconds: number;
  upscaleStabilizationSeconds: number;
  problems: string[];
}

export function hpaSpec(rev: Revision, config: AutoscalerConfig): HpaSpec {
  const errs = new Errs();
  const a = readAutoscalingAnnotations(rev.metadata.annotations, 'metadata.annotations', errs, config);
  const problems = errs.problems.map((p) => `${p.path}: ${p.message}`);
  let metric: HpaSpec['metric'] = a.metric === 'memory' ? 'memory' : 'cpu';
  if (a.metric !== undefined && !(HPA_METRICS as readonly string[]).includes(a.metric))
    problems.push(
      `metadata.annotations.autoscaling.knative.dev/metric: Kedge's HPA scales on cpu or memory, not ${a.metric}; ` +
        'cpu is used',
    );
  let target: number;
  if (a.target !== undefined) target = metric === 'cpu' ? Math.ceil(a.target) : a.target * MI;
  else {
    // Knative's MakeHPA sets no metric without a target, and Kubernetes then scales on CPU at 80 %.
    if (metric === 'memory')
      problems.push(
        'metadata.annotations.autoscaling.knative.dev/target: not set; like Kubernetes, the HPA scales on cpu at 80 %',
      );
    metric = 'cpu';
    target = DEFAULT_CPU_UTILIZATION;
  }
  const res = rev.spec.containers[0]?.resources;
  const declared = res?.requests?.cpu ?? res?.limits?.cpu;
  let cpuRequestCores = declared === undefined ? undefined : parseQuantity(declared);
  if (metric === 'cpu' && (cpuRequestCores === undefined || cpuRequestCores <= 0)) {
    problems.push('spec.containers[0].resources.requests.cpu: not set; the HPA measures CPU against 1 core');
    cpuRequestCores = 1;
  }
  const minScale = Math.max(1, a.minScale ?? config.minScale);
  const maxScale = a.maxScale ?? config.maxScale;
  const initial =
    a.initialScale !== undefined && (a.initialScale !== 0 || config.allowZeroInitialScale)
      ? a.initialScale
      : config.initialScale;
  const initialScale = Math.max(minScale, initial, 1);
  return {
    metric,
    target,
    cpuRequestCores: cpuRequestCores ?? 1,
    minScale,
    maxScale,
    initialScale: maxScale > 0 ? Math.min(initialScale, maxScale) : initialScale,
    // Knative's MakeHPA: the window annotation sets both stabilization windows.
    downscaleStabilizationSeconds: a.window ?? DOWNSCALE_STABILIZATION_SECONDS,
    upscaleStabilizationSeconds: a.window ?? 0,
    problems,
  };
}
