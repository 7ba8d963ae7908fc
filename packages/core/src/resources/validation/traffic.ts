import { dns1035LabelErrors, qualifiedNameErrors } from '../names.js';
import { at, type Errs, isInt, isObj, MSG } from './errors.js';

export interface TrafficContext {
  /** Inside a Service: configurationName is implied and may not be given. */
  hasDefaultConfigurationName: boolean;
  /** spec (user intent) or status (resolved by the Route reconciler). */
  within: 'spec' | 'status';
}

/** Knative's TrafficTarget.Validate for one entry at `path` (e.g. `spec.traffic[0]`). */
function validateTarget(tt: Record<string, unknown>, path: string, errs: Errs, ctx: TrafficContext): void {
  const revisionName = typeof tt.revisionName === 'string' ? tt.revisionName : '';
  const configurationName = typeof tt.configurationName === 'string' ? tt.configurationName : '';
  for (const f of ['revisionName', 'configurationName', 'tag', 'url'])
    if (tt[f] !== undefined && tt[f] !== null && typeof tt[f] !== 'string')
      errs.invalid(at(path, f), tt[f], 'must be a string');

  const latest = tt.latestRevision;
  if (latest !== undefined && latest !== null) {
    if (typeof latest !== 'boolean') errs.invalid(at(path, 'latestRevision'), latest, 'must be a boolean');
    else if (ctx.within === 'spec' && latest !== (revisionName === ''))
      errs.add(
        at(path, 'latestRevision'),
        `may not set revisionName ${JSON.stringify(revisionName)} when latestRevision is ${latest}`,
      );
  }

  if (ctx.hasDefaultConfigurationName && configurationName) errs.disallowed(at(path, 'configurationName'));
  else if (revisionName && configurationName) errs.oneOf(path, ['revisionName', 'configurationName'], 'both');
  else if (revisionName) {
    const msgs = qualifiedNameErrors(revisionName);
    if (msgs.length) errs.add(at(path, 'revisionName'), `${MSG.keyName(revisionName)}: ${msgs.join('; ')}`);
  } else if (ctx.within === 'status') errs.missing(at(path, 'revisionName'));
  else if (configurationName) {
    const msgs = qualifiedNameErrors(configurationName);
    if (msgs.length) errs.add(at(path, 'configurationName'), `${MSG.keyName(configurationName)}: ${msgs.join('; ')}`);
  } else if (!ctx.hasDefaultConfigurationName) errs.oneOf(path, ['revisionName', 'configurationName'], 'neither');

  const pct = tt.percent;
  if (pct !== undefined && pct !== null) {
    if (!isInt(pct)) errs.invalid(at(path, 'percent'), pct, 'must be an integer');
    else if (pct < 0 || pct > 100) errs.bounds(at(path, 'percent'), pct, 0, 100);
  }

  const url = typeof tt.url === 'string' ? tt.url : '';
  const tag = typeof tt.tag === 'string' ? tt.tag : '';
  if (url) {
    if (ctx.within === 'spec') errs.disallowed(at(path, 'url'));
    else if (!tag) errs.disallowed(at(path, 'url'));
  } else if (tag && ctx.within === 'status') errs.missing(at(path, 'url'));
}

/**
 * Knative's RouteSpec.Validate over `traffic` at `path` (e.g. `spec.traffic`): each entry,
 * DNS-1035 tags, unique tags, percents summing to 100.
 */
export function validateTraffic(traffic: unknown, path: string, errs: Errs, ctx: TrafficContext): void {
  if (traffic !== undefined && traffic !== null && !Array.isArray(traffic)) {
    errs.invalid(path, traffic, 'must be a list');
    return;
  }
  const list = (traffic ?? []) as unknown[];
  const tags = new Map<string, number>();
  let sum = 0;
  list.forEach((tt, i) => {
    const p = at(path, i);
    if (!isObj(tt)) {
      errs.invalid(p, tt);
      return;
    }
    const tag = typeof tt.tag === 'string' ? tt.tag : '';
    if (tag) {
      const msgs = dns1035LabelErrors(tag);
      // Knative spells this path `traffic.tag[i]` (ErrInvalidArrayValue); kept for fidelity.
      if (msgs.length) errs.invalid(`${at(path, 'tag')}[${i}]`, `not a DNS 1035 label: [${msgs.join(' ')}]`);
      const first = tags.get(tag);
      if (first !== undefined) {
        const msg = `Multiple definitions for ${JSON.stringify(tag)}`;
        errs.add(at(p, 'tag'), msg).add(at(at(path, first), 'tag'), msg);
      } else tags.set(tag, i);
    }
    validateTarget(tt, p, errs, ctx);
    if (isInt(tt.percent)) sum += tt.percent;
  });
  if (ctx.within === 'spec' || list.length > 0) {
    if (sum !== 100) errs.add(path, `Traffic targets sum to ${sum}, want 100`);
  }
}
