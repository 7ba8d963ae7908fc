/** Knative's config-gc, parsed. Durations in ms; `disabled` (-1) switches a rule off. */
export interface GcConfig {
  retainSinceCreateTimeMs: number;
  retainSinceLastActiveTimeMs: number;
  minNonActiveRevisions: number;
  maxNonActiveRevisions: number;
}

export const DISABLED = -1;

export const GC_DEFAULTS: GcConfig = {
  retainSinceCreateTimeMs: 48 * 3600_000,
  retainSinceLastActiveTimeMs: 15 * 3600_000,
  minNonActiveRevisions: 20,
  maxNonActiveRevisions: 1000,
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000 };

/** Go duration syntax (`48h`, `1h30m`, `90s`), or `disabled`. Returns undefined when unparseable. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === 'disabled') return DISABLED;
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === t.length && matched > 0 ? total : undefined;
}

function count(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (text.trim() === 'disabled') return DISABLED;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** Bad values fall back to the default for that key (the API logs them; the system keeps running). */
export function parseGcConfig(data: Record<string, string> | undefined): GcConfig {
  const d = data ?? {};
  const dur = (key: string, fallback: number) => {
    const v = d[key];
    if (v === undefined) return fallback;
    return parseDuration(v) ?? fallback;
  };
  return {
    retainSinceCreateTimeMs: dur('retain-since-create-time', GC_DEFAULTS.retainSinceCreateTimeMs),
    retainSinceLastActiveTimeMs: dur('retain-since-last-active-time', GC_DEFAULTS.retainSinceLastActiveTimeMs),
    minNonActiveRevisions: count(d['min-non-active-revisions'], GC_DEFAULTS.minNonActiveRevisions),
    maxNonActiveRevisions: count(d['max-non-active-revisions'], GC_DEFAULTS.maxNonActiveRevisions),
  };
}
