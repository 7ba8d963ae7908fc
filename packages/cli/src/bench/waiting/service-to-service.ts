import type { Service } from '@kedge/core';
import type { Client } from '../../client.js';
import { targetOfService, waitServiceReady, type BenchTarget } from '../kedge.js';
import { runLoad } from '../load.js';
import { TIMEOUT_MS, type WaitingContext } from './context.js';
import type { WaitingKedge } from './kedge.js';
import { waitingRun } from './run.js';

/**
 * A → B through the cluster-local name (examples/caller, and the JS guest's `?call=`) against B called
 * directly, each beside a neighbour at 1 connection, on the service-to-service `kedge up`.
 */
export async function measureServiceToService(w: WaitingContext, kedge: WaitingKedge): Promise<void> {
  const callee = kedge.targets.helloworld;
  const caller = kedge.targets.caller;
  const jsCaller = kedge.targets['autoscale-js'];
  if (!callee || !(caller || jsCaller)) return;
  await warmServices(w, kedge);
  const neighbour = await startNeighbour(kedge.client).catch(
    (err: unknown) => void w.missing('the neighbour beside service-to-service', err),
  );
  const beside = (label: string) =>
    waitingRun(w, { label, url: `${kedge.gateway}/`, connections: 1, host: neighbour!.host });
  if (neighbour) w.result.neighbourAlone = (await beside('neighbour (hello beside them), alone')).summary;
  /** A → B at `c` connections with the neighbour at 1 beside it. */
  const withNeighbour = async (label: string, url: string, c: number, target: BenchTarget) => {
    const poll = { client: kedge.client, target };
    const [via, during] = await Promise.all([
      waitingRun(w, { label, url, connections: c, host: target.host, poll }),
      neighbour ? beside(`neighbour during ${label}`) : undefined,
    ]);
    return { via: via.summary, during: during?.summary };
  };
  for (const row of w.result.s2s) {
    const c = row.connections;
    try {
      const poll = { client: kedge.client, target: callee };
      const label = 'helloworld called directly';
      row.direct = (
        await waitingRun(w, { label, url: `${kedge.gateway}/`, connections: c, host: callee.host, poll })
      ).summary;
    } catch (err) {
      w.missing(`helloworld called directly, ${c} connections`, err);
    }
    if (caller)
      try {
        const { via, during } = await withNeighbour('caller (WAT) → helloworld', `${kedge.gateway}/`, c, caller);
        row.viaCaller = via;
        if (during) row.neighbourDuring = during;
      } catch (err) {
        w.missing(`service-to-service (examples/caller), ${c} connections`, err);
      }
    if (jsCaller)
      try {
        const { via, during } = await withNeighbour(
          'autoscale-js → helloworld (?call=helloworld.example)',
          `${kedge.gateway}/?call=helloworld.example`,
          c,
          jsCaller,
        );
        row.viaJsCaller = via;
        if (during) row.neighbourDuringJs = during;
      } catch (err) {
        w.missing(`service-to-service (examples/autoscale-js), ${c} connections`, err);
      }
  }
}

/** A fresh node compiles the 14 MB JS component on first use: not part of either row's figure. */
async function warmServices(w: WaitingContext, kedge: WaitingKedge): Promise<void> {
  const { helloworld: callee, caller, 'autoscale-js': jsCaller } = kedge.targets;
  w.opts.log('service-to-service: warming the services');
  const once = { connections: 1, timeoutMs: TIMEOUT_MS };
  await runLoad({ url: `${kedge.gateway}/`, host: callee!.host, ...once, durationMs: 1_000 }).catch(() => undefined);
  if (caller)
    await runLoad({ url: `${kedge.gateway}/`, host: caller.host, ...once, requests: 3 }).catch(() => undefined);
  if (jsCaller)
    await runLoad({
      url: `${kedge.gateway}/?call=helloworld.example`,
      host: jsCaller.host,
      ...once,
      requests: 3,
    }).catch(() => undefined);
}

/** A second helloworld, `neighbour`, on the same node: what a service beside the callers sees. */
async function startNeighbour(client: Client): Promise<BenchTarget> {
  const hello = await client.get<Service>('Service', 'example', 'helloworld');
  await client.create<Service>({
    apiVersion: hello.apiVersion,
    kind: 'Service',
    metadata: { name: 'neighbour', namespace: 'example' },
    spec: hello.spec,
  });
  await waitServiceReady(client, 'example', 'neighbour', 60_000);
  return targetOfService(client, 'example', 'neighbour');
}
