import type { Bus, Clock, Logger, RegistryClient, Store } from '@kedge/core';
import { LiveConfig } from './config/live.js';
import { createDashboardRoutes } from './dashboard/routes.js';
import { DashboardStats } from './dashboard/stats.js';
import { createRestApp } from './rest/app.js';
import { createReconcilers } from './reconcilers/index.js';
import { createAdminRoutes } from './routes/admin.js';
import { installSystemConfigMaps } from './config/system/install.js';
import { createPodsView } from './pods/index.js';
import { EventRecorder } from './events/recorder.js';

export interface ApiDeps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** Resolves registry images on Revisions (default: see createReconcilers). */
  registry?: RegistryClient;
}

export interface Api {
  /** The REST app (Hono's fetch): serve it on 127.0.0.1 with any adapter. */
  fetch(req: Request): Promise<Response>;
  /** Starts the reconcilers; they resume from whatever the Store holds. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when every reconciler has nothing queued or running (tests, `kedge up` readiness). */
  idle(): Promise<void>;
}

/** The control plane: Knative's REST API over the Store, and the reconcilers behind it. */
export function createApi(deps: ApiDeps): Api {
  const config = new LiveConfig(deps.store, deps.logger.child({ component: 'config' }));
  config.start();
  const watches = new Set<() => void>();
  const events = new EventRecorder({
    store: deps.store,
    bus: deps.bus,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'events' }),
  });
  const pods = createPodsView({ ...deps, logger: deps.logger.child({ component: 'pods' }), config, watches });
  const app = createRestApp({
    store: deps.store,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'api' }),
    config,
    watches,
    views: { Pod: pods },
    serviceLogs: (req, ns, name) => pods.serviceLogs(req, ns, name),
  });
  const reconcilers = createReconcilers({ ...deps, logger: deps.logger.child({ component: 'reconciler' }), config });
  // Admin verbs (routes/admin.ts) go to the bus, not the Store, so they sit beside the REST app.
  const admin = createAdminRoutes({
    store: deps.store,
    bus: deps.bus,
    logger: deps.logger.child({ component: 'admin' }),
  });
  // The dashboard's page and its statistics (read-only, gathered from the bus).
  const stats = new DashboardStats({
    bus: deps.bus,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'dashboard' }),
  });
  const dashboard = createDashboardRoutes({ stats, watches });
  return {
    fetch: async (req) => (await dashboard(req)) ?? (await admin(req)) ?? app.fetch(req),
    start: async () => {
      await installSystemConfigMaps(deps.store, deps.logger.child({ component: 'config' }));
      await events.start();
      pods.start();
      stats.start();
      await reconcilers.start();
    },
    stop: async () => {
      stats.stop();
      // Open watch streams end, so an HTTP server in front of the API can close.
      for (const stop of [...watches]) stop();
      await reconcilers.stop();
      await pods.stop();
      await events.stop();
      config.stop();
    },
    idle: async () => {
      await reconcilers.idle();
      await pods.idle();
      await events.idle();
    },
  };
}

export { createRestApp } from './rest/app.js';
export { DashboardStats, type StatsSnapshot, type StatsSample, type StatsUpdate } from './dashboard/stats.js';
export { checkAccess, guardFetch, WRITE_CONTENT_TYPES, type AccessOptions } from './rest/access.js';
export { createReconcilers } from './reconcilers/index.js';
export { SYSTEM_CONFIG_EXAMPLES } from './config/system/examples.js';
export { parseGcConfig, checkGcConfig, GC_DEFAULTS, type GcConfig } from './config/gc.js';
export type { StatusBody, StatusCause } from './rest/status.js';
