/**
 * Sliding maximum over the last `ceil(duration / granularity)` buckets (Knative's max.TimeWindow):
 * a descending list of (bucket index, value). A newer value evicts every older value it is ≥ to,
 * since those can never be the maximum again; the head expires once it is a full window old.
 */
export class DelayWindow {
  private readonly size: number;
  private entries: { index: number; value: number }[] = [];

  constructor(
    durationSeconds: number,
    private readonly granularitySeconds: number,
  ) {
    this.size = Math.max(1, Math.ceil(durationSeconds / granularitySeconds));
  }

  record(nowMs: number, value: number): void {
    const index = Math.floor(Math.floor(nowMs / 1000) / this.granularitySeconds);
    const e = this.entries;
    while (e.length > 0 && e[e.length - 1]!.value <= value) e.pop();
    if (e.length > 0 && e[0]!.index <= index - this.size) e.shift();
    // A larger value already recorded for this same bucket stays; the smaller one is not needed.
    if (e.length > 0 && e[e.length - 1]!.index === index) return;
    e.push({ index, value });
  }

  current(): number {
    return this.entries[0]?.value ?? 0;
  }
}
