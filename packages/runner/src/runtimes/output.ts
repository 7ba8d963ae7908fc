/** One line an instance wrote. */
export interface OutputLine {
  /** ms since the epoch. */
  time: number;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** Longest line kept (a longer one is cut). */
const MAX_LINE = 16_384;

/**
 * The last lines an instance wrote to stdout/stderr, bounded (Kubernetes keeps a container's log
 * on the node; Kedge keeps a ring per instance, read by `Runner.logs`).
 */
export class OutputRing {
  private readonly lines: OutputLine[] = [];
  private partial: Record<OutputLine['stream'], string> = { stdout: '', stderr: '' };

  constructor(private readonly max = 1000) {}

  /** Appends a chunk; an unterminated last line waits for its end (or the next flush). */
  write(stream: OutputLine['stream'], chunk: string, now = Date.now()): OutputLine[] {
    const parts = (this.partial[stream] + chunk).split('\n');
    this.partial[stream] = parts.pop()!.slice(0, MAX_LINE);
    return parts.map((line) => this.push({ time: now, stream, line: line.slice(0, MAX_LINE) }));
  }

  /** The instance ended: its unterminated lines count too. */
  flush(now = Date.now()): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.push({ time: now, stream, line: this.partial[stream] });
      this.partial[stream] = '';
    }
  }

  snapshot(): OutputLine[] {
    return [...this.lines];
  }

  private push(l: OutputLine): OutputLine {
    this.lines.push(l);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
    return l;
  }
}
