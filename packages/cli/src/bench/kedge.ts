import type { PodAutoscaler, Revision, Route, Service } from '@kedge/core';
import { freePort } from '@kedge/core/testing';
import { ApiError, type Client } from '../client.js';

/** The revision a benchmark drives, and how the gateway reaches it. */
export interface BenchTarget {
  namespace: string;
  revision: string;
  /** Host header the gateway routes by (from the Route's status.url). */
  host: string;
}

/** Path of the admin verb behind `kedge revision scale NAME --to N` (see docs/benchmarks.md). */
export function scalePath(namespace: string, revision: string): string {
  return `/apis/kedge.dev/v1/namespaces/${encodeURIComponent(namespace)}/revisions/${encodeURIComponent(revision)}/scale`;
}

/** `--service NAME -n NS`: the service's latest ready revision and its URL host. */
export async function targetOfService(client: Client, namespace: string, name: string): Promise<BenchTarget> {
  const svc = await client.get<Service>('Service', namespace, name);
  const status = svc.status ?? {};
  const revision = status.latestReadyRevisionName ?? status.traffic?.find((t) => t.revisionName)?.revisionName;
  if (!revision)
    throw new Error(
      `--service: service ${namespace}/${name} has no ready revision yet (see \`kedge get ksvc ${name} -n ${namespace}\`)`,
    );
  if (!status.url) throw new Error(`--service: service ${namespace}/${name} has no URL yet`);
  return { namespace, revision, host: new URL(status.url).host };
}

/** `--url URL --host HOST`: finds the Route serving HOST, and the revision taking most of its traffic. */
export async function targetOfHost(client: Client, host: string): Promise<BenchTarget> {
  const routes = await client.list<Route>('Route');
  for (const route of routes.items) {
    const urls = [route.status?.url, ...(route.status?.traffic ?? []).map((t) => t.url)].filter(Boolean) as string[];
    if (!urls.some((u) => new URL(u).host === host)) continue;
    const traffic = [...(route.status?.traffic ?? [])].sort((a, b) => (b.percent ?? 0) - (a.percent ?? 0));
    const revision = traffic.find((t) => t.revisionName)?.revisionName;
    if (revision) return { namespace: route.metadata.namespace, revision, host };
  }
  throw new Error(`--host: no Route serves ${host} (see \`kedge get routes -A\`)`);
}

/** Instances the revision has right now, from its status (mirrored from the PodAutoscaler), else the PA. */
export async function instanceCount(
  client: Client,
  t: Pick<BenchTarget, 'namespace' | 'revision'>,
): Promise<number | undefined> {
  const rev = await client.get<Revision>('Revision', t.namespace, t.revision);
  if (typeof rev.status?.actualReplicas === 'number') return rev.status.actualReplicas;
  const pa = await client.get<PodAutoscaler>('PodAutoscaler', t.namespace, t.revision).catch(() => undefined);
  return typeof pa?.status?.actualScale === 'number' ? pa.status.actualScale : undefined;
}

/** What the API's admin verb answers (packages/api/src/routes/admin.ts). */
export interface ScaleReply {
  ok?: boolean;
  to?: number;
  /** Instances the autoscaler stopped. */
  stopped?: number;
  error?: string;
}

/**
 * Scales the revision to `to` through the API's admin verb and, for `to = 0`, waits until the revision
 * reports no instance, so the next request meets it cold. If an instance is started again before the
 * status shows zero (the autoscaler acting on metrics still in flight), the scale-down is repeated.
 */
export async function scaleRevision(
  client: Client,
  t: Pick<BenchTarget, 'namespace' | 'revision'>,
  to: number,
  waitMs = 10_000,
): Promise<ScaleReply> {
  const until = Date.now() + waitMs;
  for (;;) {
    const reply = await postScale(client, t, to);
    if (to !== 0) return reply;
    // Status follows the PodAutoscaler with a short delay; 2 s without zero means it came back.
    const attemptUntil = Math.min(until, Date.now() + 2_000);
    let n: number | undefined;
    for (;;) {
      n = await instanceCount(client, t);
      if (n === 0 || n === undefined) return reply;
      if (Date.now() > attemptUntil) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    if (Date.now() > until)
      throw new Error(`scale ${t.namespace}/${t.revision} to 0: still ${n} instance(s) after ${waitMs} ms`);
  }
}

async function postScale(
  client: Client,
  t: Pick<BenchTarget, 'namespace' | 'revision'>,
  to: number,
): Promise<ScaleReply> {
  let reply: ScaleReply;
  try {
    reply = await client.raw<ScaleReply>('POST', scalePath(t.namespace, t.revision), { to });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && /could not find the requested resource/.test(err.message))
      throw new Error(
        `this Kedge API has no admin scale verb (POST ${scalePath(t.namespace, t.revision)}): ${err.message}`,
      );
    throw err;
  }
  if (reply.ok === false) throw new Error(`scale ${t.namespace}/${t.revision} to ${to}: ${reply.error ?? 'refused'}`);
  return reply;
}

/**
 * Brings the revision to a quiet zero: scale to 0, wait `settleMs`, and check it is still at zero (the
 * autoscaler may start an instance again from metrics that were in flight); retries a few times.
 * Returns how many scale-downs it took.
 */
export async function bringToZero(
  client: Client,
  t: Pick<BenchTarget, 'namespace' | 'revision'>,
  settleMs: number,
  attempts = 5,
): Promise<number> {
  for (let i = 1; ; i++) {
    await scaleRevision(client, t, 0);
    if (settleMs <= 0) return i;
    await new Promise((r) => setTimeout(r, settleMs));
    if ((await instanceCount(client, t)) === 0 || i >= attempts) return i;
  }
}

/** Samples the instance count every `everyMs` until stopped: the lower panel of the load chart. */
export function pollInstances(client: Client, t: Pick<BenchTarget, 'namespace' | 'revision'>, everyMs = 500) {
  const start = performance.now();
  const points: { t: number; count: number }[] = [];
  let stopped = false;
  let failures = 0;
  const loop = (async () => {
    while (!stopped) {
      const at = (performance.now() - start) / 1000;
      try {
        const n = await instanceCount(client, t);
        if (n !== undefined) points.push({ t: at, count: n });
      } catch {
        failures += 1;
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    points,
    get failures() {
      return failures;
    },
    async stop() {
      stopped = true;
      await loop;
      return points;
    },
  };
}

/** Waits until the service is Ready with a URL; fails naming its last condition. */
export async function waitServiceReady(client: Client, ns: string, name: string, timeoutMs: number): Promise<Service> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const svc = await client.get<Service>('Service', ns, name);
      const ready = svc.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status === 'True' && svc.status?.url) return svc;
      last = ready ? `${ready.status} ${ready.reason ?? ''} ${ready.message ?? ''}` : 'no Ready condition';
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > until) throw new Error(`service ${ns}/${name} not Ready after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The arguments of a `kedge up` the bench starts: every listener on its own free loopback port, quiet
 * logs, then `extra` (manifests to apply, flags). Returns the gateway and API ports the bench talks to.
 */
export async function kedgeUpArgs(
  cli: string,
  dataDir: string,
  extra: string[],
): Promise<{ args: string[]; http: number; api: number }> {
  const [http, api, runner, admin] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const ports = ['--http-port', http, '--api-port', api, '--runner-port', runner, '--admin-port', admin].map(String);
  return { http, api, args: [cli, 'up', ...ports, '--data-dir', dataDir, '--log-level', 'warn', ...extra] };
}
