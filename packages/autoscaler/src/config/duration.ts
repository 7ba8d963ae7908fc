const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const PART = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Go's time.ParseDuration, which is what Knative reads its durations with: `2m3s`, `1.5h`, `300ms`,
 * `-1s`, and the bare `0`. A bare number with no unit is an error, as in Go. Returns seconds.
 */
export function parseDuration(input: string): number {
  let s = input.trim();
  if (s === '') throw new Error(`invalid duration "${input}"`);
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new Error(`invalid duration "${input}"`);
  let total = 0;
  while (s.length > 0) {
    const m = PART.exec(s);
    if (!m) {
      if (/^(\d+\.?\d*|\.\d+)$/.test(s)) throw new Error(`missing unit in duration "${input}"`);
      throw new Error(`invalid duration "${input}"`);
    }
    total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
    s = s.slice(m[0].length);
  }
  // Go durations are whole nanoseconds; rounding here keeps `1.1s` from becoming 1.1000000000000001.
  return (sign * Math.round(total * 1e9)) / 1e9;
}

/** Go's Duration.String() for whole and fractional seconds, so messages read like Knative's. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let rest = Math.abs(seconds);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest = Math.round((rest - m * 60) * 1e9) / 1e9;
  let out = '';
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${rest}s`;
  return (neg ? '-' : '') + out;
}
