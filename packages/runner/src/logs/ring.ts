import type { Clock, LogLine, LogsReply, LogsRequest } from '@kedge/core';
import type { InstanceLogSink } from './sink.js';

export interface LogRingOptions {
  /** Lines kept per instance (the oldest go first). */
  maxLines?: number;
  /** Bytes kept per instance. */
  maxBytes?: number;
  /** How long an instance's lines are kept after it stopped (ms). */
  retainMs?: number;
  /** One line longer than this is cut (bytes). */
  maxLineBytes?: number;
}

interface Ring {
  namespace: string;
  revision: string;
  service: string | undefined;
  lines: LogLine[];
  bytes: number;
  seq: number;
  /** Text of a line not yet ended by a newline. */
  partial: { stdout: string; stderr: string };
  stoppedAt?: number;
}

/**
 * The runner's per-instance output: a bounded ring for each instance (lines and bytes), kept
 * `retainMs` after the instance stops, read by `kubectl logs` through the API (LogsRequest).
 */
export class InstanceLogs implements InstanceLogSink {
  private readonly rings = new Map<string, Ring>();
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private readonly retainMs: number;
  private readonly maxLineBytes: number;

  constructor(
    private readonly clock: Clock,
    opts: LogRingOptions = {},
  ) {
    this.maxLines = opts.maxLines ?? 1000;
    this.maxBytes = opts.maxBytes ?? 256 * 1024;
    this.retainMs = opts.retainMs ?? 10 * 60_000;
    this.maxLineBytes = opts.maxLineBytes ?? 16 * 1024;
  }

  /** An instance starts: its ring opens (output before this is not kept). */
  open(instanceId: string, namespace: string, revision: string, service: string | undefined): void {
    this.sweep();
    if (this.rings.has(instanceId)) return;
    this.rings.set(instanceId, {
      namespace,
      revision,
      service,
      lines: [],
      bytes: 0,
      seq: 0,
      partial: { stdout: '', stderr: '' },
    });
  }

  /** The instance stopped: its lines stay for retainMs. */
  close(instanceId: string): void {
    const r = this.rings.get(instanceId);
    if (!r || r.stoppedAt !== undefined) return;
    for (const stream of ['stdout', 'stderr'] as const) if (r.partial[stream]) this.push(r, stream, r.partial[stream]);
    r.partial = { stdout: '', stderr: '' };
    r.stoppedAt = this.clock.now();
  }

  write(instanceId: string, stream: 'stdout' | 'stderr', text: string): void {
    const r = this.rings.get(instanceId);
    if (!r || !text) return;
    const parts = (r.partial[stream] + text).split('\n');
    r.partial[stream] = parts.pop()!.slice(0, this.maxLineBytes);
    for (const line of parts) this.push(r, stream, line);
  }

  tail(instanceId: string, count: number): string[] {
    const r = this.rings.get(instanceId);
    if (!r) return [];
    const unended = [r.partial.stdout, r.partial.stderr].filter(Boolean);
    return [...r.lines.slice(-count).map((l) => l.text), ...unended].slice(-count);
  }

  read(req: LogsRequest): LogsReply {
    this.sweep();
    const out: LogsReply['instances'] = [];
    for (const [id, r] of this.rings) {
      if (r.namespace !== req.namespace) continue;
      if (req.instanceId !== undefined && id !== req.instanceId) continue;
      if (req.instanceId === undefined && (req.service === undefined || r.service !== req.service)) continue;
      let lines = r.lines;
      const after = req.after?.[id];
      if (after !== undefined) lines = lines.filter((l) => l.seq > after);
      if (req.since !== undefined) lines = lines.filter((l) => l.time >= req.since!);
      if (req.tailLines !== undefined && req.tailLines >= 0)
        lines = lines.slice(Math.max(0, lines.length - req.tailLines));
      out.push({ instanceId: id, revision: r.revision, running: r.stoppedAt === undefined, lines });
    }
    return { instances: out };
  }

  private push(r: Ring, stream: 'stdout' | 'stderr', text: string): void {
    const line: LogLine = { seq: ++r.seq, time: this.clock.now(), stream, text: text.slice(0, this.maxLineBytes) };
    r.lines.push(line);
    r.bytes += line.text.length;
    while (r.lines.length > this.maxLines || r.bytes > this.maxBytes) r.bytes -= r.lines.shift()!.text.length;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, r] of this.rings)
      if (r.stoppedAt !== undefined && now - r.stoppedAt > this.retainMs) this.rings.delete(id);
  }
}
