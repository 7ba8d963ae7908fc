/**
 * Every subject Kedge uses, in one place. Tokens are `<namespace>.<revision>` where a message is about
 * one revision (names are DNS labels, so they never contain dots). See docs/architecture.md, and
 * docs/nats.md for who publishes and who consumes each subject.
 */
export const subjects = {
  /** StatMessage: a queue (per instance) or an activator reports, once a second. */
  metrics: (ns: string, rev: string) => `kedge.metrics.${ns}.${rev}`,
  metricsAll: 'kedge.metrics.>',
  /** PokeMessage: the activator holds a request for a revision without ready instances. */
  poke: (ns: string, rev: string) => `kedge.poke.${ns}.${rev}`,
  pokeAll: 'kedge.poke.>',
  /** DecisionMessage: the autoscaler's latest decision for a revision (gateways pick the SKS mode from it). */
  decision: (ns: string, rev: string) => `kedge.decision.${ns}.${rev}`,
  decisionAll: 'kedge.decision.>',
  /** EndpointsMessage: one node's ready instances of one revision, after every change. */
  endpoints: (ns: string, rev: string) => `kedge.endpoints.${ns}.${rev}`,
  endpointsAll: 'kedge.endpoints.>',
  /**
   * EndpointsResync `{ gatewayId, time }`: a gateway (re)started; every runner answers by publishing
   * its current EndpointsMessage for each revision it hosts, so late joiners need not wait for a change.
   */
  endpointsResync: 'kedge.endpoints-resync',
  /** Request StartInstanceRequest → StartInstanceReply, addressed to one runner node. */
  runnerStart: (nodeId: string) => `kedge.runner.${nodeId}.start`,
  /** Request StopInstanceRequest → StopInstanceReply. */
  runnerStop: (nodeId: string) => `kedge.runner.${nodeId}.stop`,
  /** Request LogsRequest → LogsReply: the output a runner node kept of its instances (pods/log). */
  runnerLogs: (nodeId: string) => `kedge.runner.${nodeId}.logs`,
  /** NodeHeartbeat, every second, from each runner node. */
  nodeHeartbeat: 'kedge.node.heartbeat',
  /** RevisionHealth: a runner could (not) load a revision's image. */
  revisionHealth: (ns: string, rev: string) => `kedge.revision-health.${ns}.${rev}`,
  revisionHealthAll: 'kedge.revision-health.>',
  /**
   * Request AdminScaleRequest → AdminScaleReply: force a revision's scale now, bypassing the
   * scale-to-zero grace period (benchmarks measure cold starts with it). Served by the autoscaler.
   */
  adminScale: (ns: string, rev: string) => `kedge.admin.scale.${ns}.${rev}`,
  adminScaleAll: 'kedge.admin.scale.>',
  /** ComponentHeartbeat: every role instance, for `kedge get components`. */
  componentHeartbeat: 'kedge.component.heartbeat',
} as const;

/** Concurrency and request count a queue or an activator saw over one reporting period. */
export interface StatMessage {
  namespace: string;
  revision: string;
  /** Instance id, or the activator's id when `fromActivator`. */
  source: string;
  fromActivator?: boolean;
  /** Time-weighted average in-flight requests over the period. */
  averageConcurrency: number;
  /** Of which forwarded by the activator (the autoscaler subtracts these to avoid counting twice). */
  averageProxiedConcurrency?: number;
  requestCount: number;
  proxiedRequestCount?: number;
  /** Wall-clock ms at the end of the period. */
  time: number;
}

export interface PokeMessage {
  namespace: string;
  revision: string;
  /** Requests the activator is holding for it right now. */
  held: number;
  time: number;
}

export interface DecisionMessage {
  namespace: string;
  revision: string;
  desiredScale: number;
  excessBurstCapacity: number;
  /** Proxy: the activator stays in the request path; Serve: gateways go straight to instances. */
  mode: 'Proxy' | 'Serve';
  time: number;
}

export interface Endpoint {
  namespace: string;
  revision: string;
  instanceId: string;
  nodeId: string;
  /** Base URL of the runner's HTTP entry for this node (remote gateways use it). */
  url: string;
  /** The revision's containerConcurrency as this instance serves it (0 = unlimited). */
  concurrency: number;
}

export interface EndpointsMessage {
  namespace: string;
  revision: string;
  nodeId: string;
  endpoints: Endpoint[];
  time: number;
}

export interface EndpointsResync {
  gatewayId: string;
  time: number;
}

export interface StartInstanceRequest {
  namespace: string;
  revision: string;
  /** Chosen by the placer so it can count an instance before the runner answers. */
  instanceId: string;
}

export interface StartInstanceReply {
  ok: boolean;
  instanceId: string;
  error?: string;
  /** Server-side phase timings (ms) for the cold-start breakdown. */
  timings?: Record<string, number>;
}

export interface StopInstanceRequest {
  namespace: string;
  revision: string;
  instanceId: string;
}

export interface StopInstanceReply {
  ok: boolean;
  error?: string;
}

/** Which instances' output to read: one instance, or every instance of a service in a namespace. */
export interface LogsRequest {
  namespace: string;
  instanceId?: string;
  service?: string;
  /** Only lines after this sequence number (a follower's cursor, per instance). */
  after?: Record<string, number>;
  /** The last N lines of each instance. */
  tailLines?: number;
  /** ms since the epoch: lines written at or after it. */
  since?: number;
}

export interface LogLine {
  seq: number;
  /** ms since the epoch. */
  time: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface LogsReply {
  instances: { instanceId: string; revision: string; running: boolean; lines: LogLine[] }[];
}

export interface NodeHeartbeat {
  nodeId: string;
  url: string;
  /** How many instances this node will host at most. */
  capacity: number;
  /** revision key (`ns/name`) → instance ids live on the node (starting or ready). */
  instances: Record<string, string[]>;
  time: number;
  startedAt: number;
  version: string;
  /**
   * WebAssembly guests on the node: worker threads, guest instances (warm ones included), calls in
   * flight (running or suspended while they wait), and their linear memory in bytes.
   */
  guests?: { workers: number; instances: number; inFlight: number; memoryBytes: number };
}

export interface RevisionHealth {
  namespace: string;
  revision: string;
  nodeId: string;
  ready: boolean;
  reason?: string;
  message?: string;
  time: number;
}

export interface ComponentHeartbeat {
  role: 'api' | 'gateway' | 'runner' | 'autoscaler';
  id: string;
  nodeId: string;
  ready: boolean;
  restarts: number;
  startedAt: number;
  version: string;
  time: number;
  /**
   * A gateway's request address (http://host:port): runners send their guests' service-to-service
   * calls to a gateway they learn of here (one on their own node first).
   */
  url?: string;
}

/** Only `{ to: 0 }` is supported: stop every instance now and forget the load history. */
export interface AdminScaleRequest {
  to: number;
}

/** Sent once the runners confirmed every stop (or the request failed). */
export interface AdminScaleReply {
  ok: boolean;
  /** Instances stopped. */
  stopped?: number;
  error?: string;
}
