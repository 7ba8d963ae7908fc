import { resourceKey, type AdminScaleReply, type AdminScaleRequest } from '@kedge/core';
import type { PodAutoscalerReconciler } from '../reconciler/pa-reconciler.js';
import type { MultiScaler } from '../scaling/multiscaler.js';

/**
 * `kedge scale <revision> --to 0`: the owner replica forgets the revision's load and stops its
 * instances now, and answers once the runners confirmed (Kedge's own verb; Knative has none).
 */
export async function adminScale(
  subject: string,
  data: AdminScaleRequest,
  respond: ((d: unknown) => void) | undefined,
  deps: { owns(key: string): boolean; scalers: MultiScaler; reconciler: PodAutoscalerReconciler; now(): number },
): Promise<void> {
  const reply = (r: AdminScaleReply) => respond?.(r);
  const parts = subject.split('.');
  const key = resourceKey(parts[3] ?? '', parts[4] ?? '');
  // The owner answers; every replica hears the request.
  if (!deps.owns(key)) return;
  if (data?.to !== 0) return reply({ ok: false, error: `to: only 0 is supported, got ${JSON.stringify(data?.to)}` });
  const st = deps.scalers.get(key);
  if (!st) return reply({ ok: false, error: `revision ${key} not found` });
  const refused = st.scaler.scaleToZero(deps.now());
  if (refused) return reply({ ok: false, error: refused });
  const stopped = await deps.reconciler.scaleToZero(st);
  reply({ ok: true, stopped });
}
