import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of its own (several gateways may share a process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'namespace' | 'revision' | 'code'>;
  readonly latency: Histogram<'namespace' | 'revision' | 'code'>;
  readonly coldStarts: Counter<'namespace' | 'revision'>;
  readonly held: Histogram<'namespace' | 'revision'>;
  readonly queueDepth: Gauge<'namespace' | 'revision'>;

  constructor(gatewayId: string, queueDepths: () => Iterable<[namespace: string, revision: string, depth: number]>) {
    this.registry.setDefaultLabels({ gateway: gatewayId });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'kedge_gateway_requests_total',
      help: 'Requests answered by the gateway, by target revision and HTTP status code',
      labelNames: ['namespace', 'revision', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'kedge_gateway_request_duration_seconds',
      help: 'Time from request arrival to response headers, by revision and status code',
      labelNames: ['namespace', 'revision', 'code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.coldStarts = new Counter({
      name: 'kedge_activator_cold_starts_total',
      help: 'Requests the activator held because their revision had no ready instance',
      labelNames: ['namespace', 'revision'],
      registers,
    });
    this.held = new Histogram({
      name: 'kedge_activator_hold_duration_seconds',
      help: 'Time requests spent queued in the activator',
      labelNames: ['namespace', 'revision'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'kedge_activator_queue_depth',
      help: 'Requests held by the activator right now, per revision',
      labelNames: ['namespace', 'revision'],
      registers,
      collect() {
        this.reset();
        for (const [namespace, revision, depth] of queueDepths()) this.set({ namespace, revision }, depth);
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
