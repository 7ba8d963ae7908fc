import type { RuntimeKind } from '../resources/runtime-kind.js';

/**
 * Every subject Kedge uses, in one place. Tokens are `<namespace>.<revision>` where a message is about
 * one revision (names are DNS labels, so they never contain dots). See docs/architecture.md, and
 * docs/nats.md for who publishes and who consumes each subject.
 */
export const subjects = {
  /** StatMessage: a queue (per instance) or an activator reports, once a second. */
  metrics: (ns: string, rev: string) => `kedge.metrics.${ns}.${rev}`,
  metricsAll: 'kedge.metrics.>',
  /** PokeMessage: the activator holds a request for a revision without ready instances, or behind full ones. */
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
  /**
   * GatewayStatsMessage: what one gateway answered for one revision over the last second (requests,
   * 5xx, latency histogram, cold starts). Only the dashboard's statistics consume it; nothing decides on it.
   */
  gatewayStats: (ns: string, rev: string) => `kedge.gateway-stats.${ns}.${rev}`,
  gatewayStatsAll: 'kedge.gateway-stats.>',
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
  /**
   * CPU time the instance used since it started, ms (HPA class, metric cpu). WebAssembly: time its
   * guests spent in calls; process: the OS's user + system time. Absent where it cannot be read.
   */
  cpuMs?: number;
  /** Memory the instance holds now, bytes (HPA, metric memory): guests' linear memory, or a process's RSS. */
  memoryBytes?: number;
  /** Wall-clock ms at the end of the period. */
  time: number;
}

export interface PokeMessage {
  namespace: string;
  revision: string;
  /** Requests the activator is holding for it right now. */
  held: number;
  /**
   * Requests the activator carries for it right now: held plus those on instances (absent from
   * older gateways). The autoscaler reads it as a lower bound of the panic window's concurrency.
   */
  concurrency?: number;
  time: number;
  /**
   * The poking gateway's node: the autoscaler places the cold start there when that node has a
   * runner with capacity (local-first routing; Knative's activator has no such notion).
   */
  nodeId?: string;
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
  /**
   * The runtime kinds the node runs (core's runtimeKind): `container` only where an engine works.
   * Absent (an older runner): wasm and process.
   */
  runtimes?: RuntimeKind[];
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

/** Upper bounds (seconds) of the gateway's request-duration buckets; a histogram has one more slot, +Inf. */
export const REQUEST_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** A request the activator held because its revision had no ready instance. Times in ms. */
export interface ColdStartRecord {
  /** Wall-clock ms when the response headers were ready. */
  time: number;
  /** Held in the activator, from arrival to an instance slot. */
  holdMs: number;
  /** From the poke to the autoscaler until ready instances appeared (decision, placement, instance start). */
  pokeToReadyMs?: number;
  /** From arrival to response headers (the hold included). */
  totalMs: number;
  status: number;
}

/** One gateway's view of one revision over one reporting period (counts are for the period, not running totals). */
export interface GatewayStatsMessage {
  gatewayId: string;
  namespace: string;
  revision: string;
  /** Wall-clock ms at the end of the period. */
  time: number;
  periodMs: number;
  requests: number;
  /** Answers with a 5xx status. */
  errors: number;
  /** Request durations per bucket of REQUEST_DURATION_BUCKETS_SECONDS (not cumulative), the last slot +Inf. */
  durations: number[];
  coldStarts: ColdStartRecord[];
}
