import type { TrafficTarget } from '@kedge/core';

/** `K=V` pairs from repeated and comma-joined flags (`--traffic a=50,b=50 --traffic @latest=0`). */
export function pairs(values: string[] | undefined, flag: string): [string, string][] {
  const out: [string, string][] = [];
  for (const v of values ?? [])
    for (const part of v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const i = part.indexOf('=');
      if (i <= 0) throw new Error(`${flag}: expected KEY=VALUE, got "${part}"`);
      out.push([part.slice(0, i), part.slice(i + 1)]);
    }
  return out;
}

export interface TrafficFlags {
  traffic?: string[];
  tag?: string[];
  untag?: string[];
}

const LATEST = '@latest';

/**
 * kn's traffic editing: `--traffic` replaces the split (targets are revision names, existing tags or
 * `@latest`), `--untag` removes tags, `--tag REV=TAG` tags a target (adding it at 0 % when it
 * carries no traffic yet). Percent sums are checked by the server.
 */
export function editTraffic(current: TrafficTarget[] | undefined, flags: TrafficFlags): TrafficTarget[] | undefined {
  if (!flags.traffic?.length && !flags.tag?.length && !flags.untag?.length) return current;
  let traffic: TrafficTarget[] = structuredClone(current?.length ? current : [{ latestRevision: true, percent: 100 }]);

  if (flags.traffic?.length) {
    const next: TrafficTarget[] = [];
    for (const [target, pct] of pairs(flags.traffic, '--traffic')) {
      const percent = Number(pct.replace(/%$/, ''));
      if (!Number.isInteger(percent) || percent < 0 || percent > 100)
        throw new Error(`--traffic: "${target}=${pct}": percent must be an integer from 0 to 100`);
      if (target === LATEST) {
        next.push({ latestRevision: true, percent });
        continue;
      }
      const tagged = traffic.find((t) => t.tag === target);
      if (tagged) next.push({ ...tagged, percent });
      else next.push({ revisionName: target, percent });
    }
    // Tagged targets not named keep their tag URL at 0 %.
    for (const t of traffic) if (t.tag && !next.some((n) => n.tag === t.tag)) next.push({ ...t, percent: 0 });
    traffic = next;
  }

  for (const tag of flags.untag ?? []) {
    if (!traffic.some((t) => t.tag === tag)) throw new Error(`--untag: no traffic target is tagged "${tag}"`);
    for (const t of traffic) if (t.tag === tag) delete t.tag;
  }

  for (const [target, tag] of pairs(flags.tag, '--tag')) {
    if (traffic.some((t) => t.tag === tag))
      throw new Error(`--tag: tag "${tag}" is already used; remove it first with --untag ${tag}`);
    const isLatest = target === LATEST;
    const match = traffic.find(
      (t) => !t.tag && (isLatest ? t.latestRevision && !t.revisionName : t.revisionName === target),
    );
    if (match) match.tag = tag;
    else traffic.push(isLatest ? { tag, latestRevision: true, percent: 0 } : { tag, revisionName: target, percent: 0 });
  }

  return traffic.filter((t) => t.tag || (t.percent ?? 0) > 0 || traffic.length === 1);
}
