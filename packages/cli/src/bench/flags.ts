const UNITS_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration the way `hey -z` does (`30s`, `2m`, `1m30s`, `500ms`, `1.5s`); a bare number is
 * seconds. Returns milliseconds. Throws naming the flag so the CLI can show it as is.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1_000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`${field}: "${text}" is not a duration (use e.g. 500ms, 30s, 2m, 1m30s)`);
    total += Number(m[1]) * UNITS_MS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (s.length === 0) throw new Error(`${field}: empty duration`);
  return total;
}

/** A positive integer flag (`-c 50`, `--iterations 100`). */
export function parsePositiveInt(text: string, field: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) throw new Error(`${field}: "${text}" is not a positive integer`);
  return Number(text);
}

/** `1,5,25,100` → [1, 5, 25, 100]. */
export function parseIntList(text: string, field: string): number[] {
  return text.split(',').map((part) => parsePositiveInt(part, field));
}

/** Milliseconds for people: 0.083 ms → "83 µs", 1234 ms → "1.23 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** `-H name:value` flags → headers; a malformed one names the flag. */
export function parseHeaders(flags: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const f of flags) {
    const i = f.indexOf(':');
    if (i <= 0) throw new Error(`--header: "${f}" is not name:value`);
    headers[f.slice(0, i).trim().toLowerCase()] = f.slice(i + 1).trim();
  }
  return headers;
}
