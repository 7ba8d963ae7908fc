import { getCondition, type AnyResource, type Condition, type TrafficTarget } from '@kedge/core';

/** kn's compact ages: 45s, 12m, 3h, 5d. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  const t = Date.parse(timestamp ?? '');
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function conditionsOf(o: AnyResource | undefined): Condition[] {
  return ((o as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions ?? []) as Condition[];
}

/** `3 OK / 3` like kn's CONDITIONS column. */
export function conditionSummary(o: AnyResource): string {
  const c = conditionsOf(o);
  return `${c.filter((x) => x.status === 'True').length} OK / ${c.length}`;
}

export function readyOf(o: AnyResource): [string, string] {
  const c = getCondition(conditionsOf(o), 'Ready');
  return [c?.status ?? 'Unknown', c && c.status !== 'True' ? (c.reason ?? '') : ''];
}

/** The Conditions block of `kn … describe`: ++ True, !! False, ?? Unknown. */
export function describeConditions(o: AnyResource, now = Date.now()): string {
  const conds = conditionsOf(o);
  if (!conds.length) return 'Conditions:\n  (none yet)\n';
  const rows = conds.map((c) => {
    const mark =
      c.status === 'True'
        ? '++'
        : c.status === 'False'
          ? c.severity === 'Info' || c.severity === 'Warning'
            ? ' I'
            : '!!'
          : '??';
    return [
      mark,
      c.type,
      age(c.lastTransitionTime, now),
      c.reason ?? '',
      c.status !== 'True' && c.message ? c.message : '',
    ];
  });
  const w = [
    2,
    Math.max(4, ...rows.map((r) => r[1]!.length)),
    Math.max(3, ...rows.map((r) => r[2]!.length)),
    Math.max(6, ...rows.map((r) => r[3]!.length)),
  ];
  const line = (r: string[]) =>
    `  ${r[0]!.padEnd(w[0]!)} ${r[1]!.padEnd(w[1]!)} ${r[2]!.padStart(w[2]!)} ${r[3]!.padEnd(w[3]!)}${r[4] ? ` ${r[4]}` : ''}`.trimEnd();
  return `Conditions:\n${line(['OK', 'TYPE', 'AGE', 'REASON', ''])}\n${rows.map(line).join('\n')}\n`;
}

/** One traffic line: `  50%  @latest (hello-00002) #candidate` plus the tag URL. */
export function trafficLine(t: TrafficTarget): string {
  const pct = `${t.percent ?? 0}%`.padStart(4);
  const who = t.latestRevision ? `@latest (${t.revisionName ?? '?'})` : (t.revisionName ?? t.configurationName ?? '?');
  return `  ${pct}  ${who}${t.tag ? ` #${t.tag}` : ''}${t.url ? `\n        URL:  ${t.url}` : ''}`;
}

/** `Key:  value` lines aligned like kn. */
export function fields(rows: [string, string | number | undefined][]): string {
  const shown = rows.filter(([, v]) => v !== undefined && v !== '');
  const w = Math.max(...shown.map(([k]) => k.length)) + 2;
  return `${shown.map(([k, v]) => `${`${k}:`.padEnd(w)}${v}`).join('\n')}\n`;
}
