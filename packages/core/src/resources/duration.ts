/**
 * Go's time.ParseDuration / Duration.String, because Knative's annotations and ConfigMaps take
 * Go durations (`60s`, `1m30s`, `1h`, `500ms`) and its error messages print them the Go way.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds, or undefined when `s` is not a Go duration. */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const re = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** Go's Duration.String for whole-millisecond values: `1h0m0s`, `6s`, `1.5s`, `500ms`, `0s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let v = Math.abs(ms);
  let out: string;
  if (v < 1000) {
    out = `${v}ms`;
  } else {
    const h = Math.floor(v / 3_600_000);
    v -= h * 3_600_000;
    const m = Math.floor(v / 60_000);
    v -= m * 60_000;
    const s = `${Number((v / 1000).toFixed(3))}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}

/**
 * Go's time.ParseDuration, which is what Knative reads its durations with (`2m3s`, `1.5h`, `300ms`,
 * `-1s`, the bare `0`), in seconds; throws on what Go rejects, a bare number without a unit included.
 */
export function parseDuration(input: string): number {
  const s = input.trim();
  const ms = parseGoDuration(s);
  if (ms === undefined)
    throw new Error(
      /^[+-]?(\d+\.?\d*|\.\d+)$/.test(s) ? `missing unit in duration "${input}"` : `invalid duration "${input}"`,
    );
  // Go durations are whole nanoseconds; rounding here keeps `1.1s` from becoming 1.1000000000000001.
  return Math.round(ms * 1e6) / 1e9;
}

/** Go's Duration.String() of a number of seconds, so messages read like Knative's. */
export function formatDuration(seconds: number): string {
  return formatGoDuration(seconds * 1000);
}
