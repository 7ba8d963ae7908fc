import type { Bus, Clock, Logger } from '@kedge/core';
import { ClusterView } from './cluster-view.js';
import { countRestart, startComponentHeartbeat } from './heartbeat.js';
import type { RoleName } from './start.js';

/**
 * For `kedge up` (every role in one process): a heartbeat per role and the cluster view the API
 * serves, so `kedge get components|nodes` works the same embedded and distributed.
 */
export function startComponents(deps: {
  bus: Bus;
  clock: Clock;
  logger: Logger;
  nodeId: string;
  dataDir: string;
  /** `url`: a gateway's request address, once it listens (see heartbeat.ts). */
  roles: { role: RoleName; id: string; url?: () => string | undefined }[];
  ready: () => boolean;
}): { wrapApi(fetch: (req: Request) => Promise<Response>): (req: Request) => Promise<Response>; stop(): void } {
  const view = new ClusterView({ bus: deps.bus, clock: deps.clock });
  view.start();
  // The autoscaler publishes its own heartbeat.
  const beats = deps.roles.filter((r) => r.role !== 'autoscaler').map(({ role, id, url }) =>
    startComponentHeartbeat({
      bus: deps.bus,
      clock: deps.clock,
      logger: deps.logger,
      role,
      id,
      nodeId: deps.nodeId,
      restarts: countRestart(deps.dataDir, role, id),
      ready: deps.ready,
      ...(url ? { url } : {}),
    }),
  );
  return {
    wrapApi: (fetch) => view.wrap(fetch),
    stop: () => {
      for (const b of beats) b.stop();
      view.stop();
    },
  };
}
