export { createGateway, type Gateway, type GatewayDeps, type GatewayView, type ConnInfo } from './gateway.js';
export { createGatewayApp, createAdminApp, connInfoOf } from './app.js';
export { listen, serveGateway, serveGatewayTls, sniCallback, type Listening } from './serve.js';
export { DomainTable, type DomainEntry } from './routing/domains.js';
export type { TlsMaterial } from './tls/secrets.js';
export { RouteTable, pickTarget, type RouteEntry, type RevisionRef } from './routing/table.js';
export { normalizeHost } from './routing/hosts.js';
export { RevisionThrottler, ThrottlerError, type Backend } from './activator/throttler.js';
export {
  DEFAULT_QUEUE_SIZE,
  DEFAULT_HOLD_TIMEOUT_MS,
  type ActivatorOptions,
} from './activator/activator.js';
export { NODE_SILENCE_MS } from './activator/endpoints.js';
export type { Transport, UpstreamRequest } from './forward/transport.js';
export { UndiciTransport } from './forward/undici-transport.js';
export { FetchTransport } from './forward/fetch-transport.js';
