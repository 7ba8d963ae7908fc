import { subjects, type Bus, type ColdStartRecord, type GatewayStatsMessage, type Logger } from '@kedge/core';
import type { Series } from './metrics.js';

interface Seen {
  count: number;
  buckets: number[];
}

/**
 * Once a second, what this gateway answered per revision since the last time, on the bus
 * (`subjects.gatewayStats`) for the API's dashboard statistics. It diffs the running totals the
 * Prometheus series keep already, so the request path pays nothing for it; cold starts are the
 * exception, recorded as they happen (they are rare and already slow).
 */
export class GatewayStatsPublisher {
  /** Series object → what was published of it so far (series are never dropped, so neither are these). */
  private readonly seen = new WeakMap<Series, Seen>();
  private readonly coldStarts = new Map<string, { namespace: string; revision: string; records: ColdStartRecord[] }>();
  private lastTime: number;

  constructor(
    private readonly deps: {
      bus: Bus;
      logger: Logger;
      gatewayId: string;
      series: () => Iterable<Series>;
      now: () => number;
    },
  ) {
    this.lastTime = deps.now();
  }

  coldStart(key: string, namespace: string, revision: string, record: ColdStartRecord): void {
    let entry = this.coldStarts.get(key);
    if (!entry) this.coldStarts.set(key, (entry = { namespace, revision, records: [] }));
    // A burst held at once is one cold start seen many times; a few records tell its phases.
    if (entry.records.length < 20) entry.records.push(record);
  }

  /** Publishes one message per revision that answered something (or cold-started) since the last flush. */
  flush(): void {
    const now = this.deps.now();
    const periodMs = Math.max(1, now - this.lastTime);
    this.lastTime = now;
    const out = new Map<string, GatewayStatsMessage>();
    const message = (namespace: string, revision: string): GatewayStatsMessage => {
      const key = `${namespace}/${revision}`;
      let m = out.get(key);
      if (!m) {
        m = {
          gatewayId: this.deps.gatewayId,
          namespace,
          revision,
          time: now,
          periodMs,
          requests: 0,
          errors: 0,
          durations: [],
          coldStarts: [],
        };
        out.set(key, m);
      }
      return m;
    };
    for (const s of this.deps.series()) {
      const { namespace, revision, code } = s.labels;
      if (!revision) continue;
      let seen = this.seen.get(s);
      if (!seen) this.seen.set(s, (seen = { count: 0, buckets: new Array<number>(s.buckets.length).fill(0) }));
      const delta = s.count - seen.count;
      if (delta <= 0) continue;
      const m = message(namespace, revision);
      m.requests += delta;
      if (code.startsWith('5')) m.errors += delta;
      if (m.durations.length === 0) m.durations = new Array<number>(s.buckets.length).fill(0);
      for (let i = 0; i < s.buckets.length; i++) {
        m.durations[i]! += s.buckets[i]! - seen.buckets[i]!;
        seen.buckets[i] = s.buckets[i]!;
      }
      seen.count = s.count;
    }
    for (const { namespace, revision, records } of this.coldStarts.values())
      message(namespace, revision).coldStarts = records;
    this.coldStarts.clear();
    for (const m of out.values()) {
      try {
        this.deps.bus.publish(subjects.gatewayStats(m.namespace, m.revision), m);
      } catch (err) {
        this.deps.logger.debug({ err, revision: `${m.namespace}/${m.revision}` }, 'gateway stats not published');
      }
    }
  }
}
