import { formatGoDuration, parseGoDuration } from '@kedge/core';

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

/** Go's Duration.String(), so messages read like Knative's. */
export function formatDuration(seconds: number): string {
  return formatGoDuration(seconds * 1000);
}
