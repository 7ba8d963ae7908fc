import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { imageWithDigest, type Service } from '@kedge/core';
import { ApiError, type Client } from '../client.js';
import { instanceCount, scaleRevision, targetOfService, type BenchTarget } from './kedge.js';
import { TimedClient, type TimedResponse } from './request.js';
import { summarize, type SampleSummary } from './stats.js';
import type { ProgressSink } from './progress.js';

export interface ScaleFromZeroOptions {
  client: Client;
  gatewayUrl: string;
  namespace: string;
  /** Service counts to try, e.g. [1, 5, 25, 100]; the largest is created once and reused. */
  sizes: number[];
  /** The hello component (.wasm) every service runs. */
  component: string;
  /** Name prefix of the created services. */
  prefix?: string;
  /** Keep the services afterwards (default: delete them). */
  keep?: boolean;
  readyTimeoutMs?: number;
  /** Quiet time at zero before the burst, checked through the API (see bringToZero). Default 1.2 s. */
  settleMs?: number;
  progress?: ProgressSink;
}

export interface ScaleFromZeroRound {
  services: number;
  samples: TimedResponse[];
  /** Time to first response over all services of the round (ms). */
  ttfb: SampleSummary;
  /** From sending the burst to the last service answering. */
  allAnsweredMs: number;
  errors: number;
  errorCauses: Record<string, number>;
  statusCounts: Record<string, number>;
  /** Responses without an activator hold: the service was not at zero when hit. */
  warmHits: number;
}

export interface ScaleFromZeroResult {
  namespace: string;
  component: string;
  setupMs: number;
  rounds: ScaleFromZeroRound[];
}

/**
 * Knative's scale-from-zero performance test shape: N services at zero, one request to each at the same
 * moment; reports how long until each answered. Services are created from the hello component once
 * (for the largest N) and each round uses the first N of them.
 */
export async function runScaleFromZero(opts: ScaleFromZeroOptions): Promise<ScaleFromZeroResult> {
  const { client, namespace } = opts;
  const prefix = opts.prefix ?? 'sfz';
  const max = Math.max(...opts.sizes);
  const t0 = performance.now();
  const bytes = new Uint8Array(await readFile(opts.component));
  const { digest } = await client.uploadBlob(bytes);
  const image = imageWithDigest(basename(opts.component), digest);
  const names = Array.from({ length: max }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);
  await Promise.all(names.map((name) => createOrReplace(client, serviceManifest(namespace, name, image))));
  const targets = await waitReady(client, namespace, names, opts.readyTimeoutMs ?? 120_000, opts.progress);
  const setupMs = performance.now() - t0;

  const http = new TimedClient(opts.gatewayUrl, undefined, Math.min(max, 128));
  const rounds: ScaleFromZeroRound[] = [];
  try {
    await http.warm();
    for (const n of opts.sizes) {
      const some = targets.slice(0, n);
      opts.progress?.update(`scale-from-zero: ${n} service(s) to zero…`);
      await quietZero(client, some, opts.settleMs ?? 1_200);
      opts.progress?.update(`scale-from-zero: hitting ${n} service(s) at once…`);
      const burst = performance.now();
      const samples = await Promise.all(some.map((t) => http.send('/', t.host)));
      rounds.push(roundOf(n, samples, performance.now() - burst));
    }
  } finally {
    opts.progress?.done();
    await http.close();
    if (!opts.keep)
      await Promise.all(names.map((name) => client.delete('Service', namespace, name).catch(() => undefined)));
  }
  return { namespace, component: opts.component, setupMs, rounds };
}

export function roundOf(services: number, samples: TimedResponse[], allAnsweredMs: number): ScaleFromZeroRound {
  const errorCauses: Record<string, number> = {};
  const statusCounts: Record<string, number> = {};
  for (const s of samples) {
    if (s.error) errorCauses[s.error] = (errorCauses[s.error] ?? 0) + 1;
    else statusCounts[s.status] = (statusCounts[s.status] ?? 0) + 1;
  }
  const good = samples.filter((s) => !s.error && s.status < 500);
  return {
    services,
    samples,
    ttfb: summarize(good.map((s) => s.ttfbMs)),
    allAnsweredMs,
    errors: samples.length - good.length,
    errorCauses,
    statusCounts,
    warmHits: good.filter((s) => Object.keys(s.phases).length > 0 && !('activator' in s.phases)).length,
  };
}

/** Scales every target to zero, waits `settleMs`, and scales again those that came back (a few times at most). */
async function quietZero(client: Client, targets: BenchTarget[], settleMs: number): Promise<void> {
  let pending = targets;
  for (let attempt = 0; attempt < 5 && pending.length > 0; attempt++) {
    await Promise.all(pending.map((t) => scaleRevision(client, t, 0, 30_000)));
    if (settleMs <= 0) return;
    await new Promise((r) => setTimeout(r, settleMs));
    const counts = await Promise.all(pending.map((t) => instanceCount(client, t)));
    pending = pending.filter((_, i) => (counts[i] ?? 0) > 0);
  }
}

export function serviceManifest(namespace: string, name: string, image: string): Service {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { 'kedge.dev/bench': 'scale-from-zero' } },
    spec: { template: { spec: { containers: [{ image }] } } },
  };
}

async function createOrReplace(client: Client, svc: Service): Promise<void> {
  try {
    await client.create(svc);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) throw err;
    const existing = await client.get<Service>('Service', svc.metadata.namespace, svc.metadata.name);
    await client.update({ ...svc, metadata: { ...svc.metadata, resourceVersion: existing.metadata.resourceVersion } });
  }
}

async function waitReady(
  client: Client,
  namespace: string,
  names: string[],
  timeoutMs: number,
  progress?: ProgressSink,
): Promise<BenchTarget[]> {
  const until = Date.now() + timeoutMs;
  const ready = new Map<string, BenchTarget>();
  let lastError = '';
  while (ready.size < names.length) {
    for (const name of names) {
      if (ready.has(name)) continue;
      try {
        const svc = await client.get<Service>('Service', namespace, name);
        const cond = svc.status?.conditions?.find((c) => c.type === 'Ready');
        if (cond?.status === 'True') ready.set(name, await targetOfService(client, namespace, name));
        else if (cond?.status === 'False')
          throw new Error(`service ${namespace}/${name} failed: ${cond.reason}: ${cond.message}`);
      } catch (err) {
        if (/failed:/.test((err as Error).message)) throw err;
        lastError = (err as Error).message;
      }
    }
    progress?.update(`scale-from-zero: ${ready.size}/${names.length} services ready`);
    if (ready.size === names.length) break;
    if (Date.now() > until)
      throw new Error(
        `scale-from-zero: only ${ready.size}/${names.length} services became Ready in ${timeoutMs} ms ${lastError}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  return names.map((n) => ready.get(n)!);
}
