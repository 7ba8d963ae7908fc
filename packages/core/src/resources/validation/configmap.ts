import { parseAutoscalerValidationConfig } from '../../config/autoscaler.js';
import { parseAutoscalerConfig } from '../../config/autoscaler-config.js';
import { parseDefaultsConfig } from '../../config/defaults.js';
import { parseDeploymentConfig } from '../../config/deployment.js';
import { parseDomainConfig } from '../../config/domain.js';
import { parseFeaturesConfig } from '../../config/features.js';
import { NETWORK_CONFIG_MAP, parseNetworkConfig } from '../../config/network.js';
import { parseRunnerConfig, RUNNER_CONFIG_MAP } from '../../config/runner.js';
import { FieldError, type FieldProblem } from '../../errors.js';
import { SYSTEM_NAMESPACE } from '../kinds/definition.js';
import { at, type Errs, isObj, type Obj } from './errors.js';
import { metaOf, validateSubdomainObjectMeta } from './metadata.js';

/** Parsers for the Knative ConfigMaps whose content this package understands. */
const PARSERS: Record<string, (data: Record<string, string>) => unknown> = {
  'config-defaults': parseDefaultsConfig,
  'config-deployment': parseDeploymentConfig,
  'config-domain': parseDomainConfig,
  'config-features': parseFeaturesConfig,
  [NETWORK_CONFIG_MAP]: parseNetworkConfig,
  [RUNNER_CONFIG_MAP]: parseRunnerConfig,
  // Both: the keys revision validation depends on, and the whole map as the autoscaler reads it.
  'config-autoscaler': (d) => {
    const problems: FieldProblem[] = [];
    for (const parse of [parseAutoscalerValidationConfig, parseAutoscalerConfig]) {
      try {
        parse(d);
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        problems.push(...err.problems.filter((p) => !problems.some((q) => q.path === p.path)));
      }
    }
    if (problems.length) throw new FieldError(problems);
  },
};

/**
 * ConfigMaps: Kubernetes' name and data rules, and for Knative's own maps in
 * `knative-serving` the same parse the running system will do — a bad value is rejected at
 * apply time (`data.<key>`) instead of being discovered later.
 */
export function validateConfigMap(o: Obj, errs: Errs): void {
  const meta = metaOf(o);
  validateSubdomainObjectMeta(meta, errs);
  const name = typeof meta.name === 'string' ? meta.name : '';
  const data = o.data;
  if (data === undefined || data === null) return;
  if (!isObj(data)) {
    errs.invalid('data', data, 'must be a map of strings');
    return;
  }
  let stringsOnly = true;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string') {
      errs.invalid(at('data', k), v, 'must be a string');
      stringsOnly = false;
    }
  }
  const parse = PARSERS[name];
  if (!parse || meta.namespace !== SYSTEM_NAMESPACE || !stringsOnly) return;
  try {
    parse(data as Record<string, string>);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    errs.merge(err, 'data');
  }
}
