import { parseGoDuration, type FieldProblem } from '@kedge/core';

/** Knative's config-gc, parsed. Durations in ms; `disabled` (-1) switches a retain time or the max off. */
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

const isDisabled = (text: string) => text.trim().toLowerCase() === 'disabled';

/** Go duration syntax (`48h`, `1h30m`, `90s`), or `disabled` (any case). Returns undefined when unparseable or negative. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (isDisabled(t)) return DISABLED;
  const ms = parseGoDuration(t);
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

/**
 * Parses config-gc `data` as Knative does (https://github.com/knative/serving/blob/main/pkg/gc/config.go):
 * the retain times and `max-non-active-revisions` take `disabled`, `min-non-active-revisions` is a
 * non-negative integer, an empty value keeps the default. Each bad key is reported (path = the key)
 * so the API can reject the ConfigMap at apply time; `config` holds the defaults for those keys.
 */
export function checkGcConfig(data: Record<string, string> | undefined): {
  config: GcConfig;
  problems: FieldProblem[];
} {
  const d = data ?? {};
  const problems: FieldProblem[] = [];
  const dur = (key: string, fallback: number) => {
    const v = d[key];
    if (v === undefined || v === '') return fallback;
    const ms = parseDuration(v);
    if (ms === undefined || (ms < 0 && ms !== DISABLED)) {
      problems.push({
        path: key,
        message: `invalid value: ${v}: expected a duration such as 48h or 15m, or "disabled"`,
      });
      return fallback;
    }
    return ms;
  };
  const count = (key: string, fallback: number, disableable: boolean) => {
    const v = d[key];
    if (v === undefined || (disableable && v === '')) return fallback;
    if (disableable && isDisabled(v)) return DISABLED;
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) {
      problems.push({
        path: key,
        message: `invalid value: ${v}: expected a non-negative integer${disableable ? ' or "disabled"' : ''}`,
      });
      return fallback;
    }
    return n;
  };
  const config = {
    retainSinceCreateTimeMs: dur('retain-since-create-time', GC_DEFAULTS.retainSinceCreateTimeMs),
    retainSinceLastActiveTimeMs: dur('retain-since-last-active-time', GC_DEFAULTS.retainSinceLastActiveTimeMs),
    minNonActiveRevisions: count('min-non-active-revisions', GC_DEFAULTS.minNonActiveRevisions, false),
    maxNonActiveRevisions: count('max-non-active-revisions', GC_DEFAULTS.maxNonActiveRevisions, true),
  };
  if (config.maxNonActiveRevisions !== DISABLED && config.minNonActiveRevisions > config.maxNonActiveRevisions)
    problems.push({
      path: 'min-non-active-revisions',
      message: `invalid value: ${config.minNonActiveRevisions}: must be at most max-non-active-revisions (${config.maxNonActiveRevisions})`,
    });
  return { config, problems };
}

/** Bad values fall back to the default for that key (the API rejects them on apply; old stores may hold them). */
export function parseGcConfig(data: Record<string, string> | undefined): GcConfig {
  return checkGcConfig(data).config;
}
