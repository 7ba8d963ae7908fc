import { REQUEST_DURATION_BUCKETS_SECONDS } from '@kedge/core';
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

const LATENCY_BUCKETS = REQUEST_DURATION_BUCKETS_SECONDS;

export interface Series {
  labels: { namespace: string; revision: string; code: string };
  count: number;
  sum: number;
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  buckets: number[];
}

/**
 * Request count and latency by (namespace, revision, code), kept in plain arrays and turned into
 * prom-client metric objects only when scraped: prom-client's labelled inc/observe hash the label
 * set on every call, which measurably cut gateway throughput on the warm path.
 */
class RequestSeries {
  /** revision key → status code → series (no string building per request). */
  private readonly byRevision = new Map<string, Map<number, Series>>();

  record(key: string, namespace: string, revision: string, code: number, seconds: number): void {
    let byCode = this.byRevision.get(key);
    if (!byCode) this.byRevision.set(key, (byCode = new Map()));
    let s = byCode.get(code);
    if (!s) {
      s = {
        labels: { namespace, revision, code: String(code) },
        count: 0,
        sum: 0,
        buckets: new Array(LATENCY_BUCKETS.length + 1).fill(0),
      };
      byCode.set(code, s);
    }
    s.count++;
    s.sum += seconds;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    s.buckets[i]!++;
  }

  /** Every series with its running totals (the stats publisher diffs them once a second). */
  *all(): Iterable<Series> {
    for (const byCode of this.byRevision.values()) yield* byCode.values();
  }

  counter(name: string, help: string): Metric {
    return scrapedMetric(name, help, 'counter', () =>
      [...this.all()].map((s) => ({ labels: s.labels, value: s.count })),
    );
  }

  histogram(name: string, help: string): Metric {
    return scrapedMetric(name, help, 'histogram', () => {
      const values: MetricValue[] = [];
      for (const s of this.all()) {
        let acc = 0;
        LATENCY_BUCKETS.forEach((le, i) => {
          acc += s.buckets[i]!;
          values.push({ labels: { ...s.labels, le }, value: acc, metricName: `${name}_bucket` });
        });
        values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${name}_bucket` });
        values.push({ labels: s.labels, value: s.sum, metricName: `${name}_sum` });
        values.push({ labels: s.labels, value: s.count, metricName: `${name}_count` });
      }
      return values;
    });
  }
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** A metric prom-client reads at scrape time: its values are computed then, never kept. */
function scrapedMetric(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricValue[]): Metric {
  return {
    name,
    help,
    type,
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
  } as unknown as Metric;
}

/** The gateway's Prometheus metrics, in a registry of its own (several gateways may share a process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requestSeries = new RequestSeries();
  readonly coldStarts: Counter<'namespace' | 'revision'>;
  readonly held: Histogram<'namespace' | 'revision'>;
  readonly queueDepth: Gauge<'namespace' | 'revision'>;
  readonly forwarded: Counter<'namespace' | 'revision' | 'locality'>;

  constructor(
    gatewayId: string,
    queueDepths: () => Iterable<[namespace: string, revision: string, depth: number]>,
    forwards: () => Iterable<[namespace: string, revision: string, local: number, remote: number]> = () => [],
  ) {
    this.registry.setDefaultLabels({ gateway: gatewayId });
    const registers = [this.registry];
    this.registry.registerMetric(
      this.requestSeries.counter(
        'kedge_gateway_requests_total',
        'Requests answered by the gateway, by target revision and HTTP status code',
      ),
    );
    this.registry.registerMetric(
      this.requestSeries.histogram(
        'kedge_gateway_request_duration_seconds',
        'Time from request arrival to response headers, by revision and status code',
      ),
    );
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
    // Counted as plain integers per revision on the request path, handed over at scrape time.
    this.forwarded = new Counter({
      name: 'kedge_gateway_forwarded_total',
      help: "Requests sent to an instance, by whether it ran on this gateway's node (local-first routing)",
      labelNames: ['namespace', 'revision', 'locality'],
      registers,
      collect() {
        this.reset();
        for (const [namespace, revision, local, remote] of forwards()) {
          if (local) this.inc({ namespace, revision, locality: 'local' }, local);
          if (remote) this.inc({ namespace, revision, locality: 'remote' }, remote);
        }
      },
    });
  }

  /** One answered request; `key` identifies (namespace, revision) — empty for unknown hosts. */
  request(key: string, namespace: string, revision: string, code: number, seconds: number): void {
    this.requestSeries.record(key, namespace, revision, code, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
