import { FieldError, type FieldProblem } from '../errors.js';
import { AUTOSCALER_VALIDATION_CONFIG, type AutoscalerValidationConfig } from '../resources/validation/annotations.js';
import { MSG } from '../resources/validation/errors.js';

/**
 * The three `config-autoscaler` keys that revision annotation validation depends on. The full
 * map (windows, rates, …) is the autoscaler's to parse; this subset lets the API check
 * `max-scale` against `max-scale-limit` and `initial-scale: 0` against `allow-zero-initial-scale`.
 */
export function parseAutoscalerValidationConfig(data: Record<string, string> | undefined): AutoscalerValidationConfig {
  const d = data ?? {};
  const cfg: AutoscalerValidationConfig = { ...AUTOSCALER_VALIDATION_CONFIG };
  const problems: FieldProblem[] = [];
  const has = (k: string) => Object.hasOwn(d, k);
  if (has('pod-autoscaler-class')) {
    const v = String(d['pod-autoscaler-class']).trim();
    if (v === '') problems.push({ path: 'pod-autoscaler-class', message: MSG.invalid('""') });
    else cfg.podAutoscalerClass = v;
  }
  if (has('max-scale-limit')) {
    const v = String(d['max-scale-limit']).trim();
    if (!/^\d+$/.test(v)) problems.push({ path: 'max-scale-limit', message: MSG.invalid(v) });
    else cfg.maxScaleLimit = Number(v);
  }
  if (has('allow-zero-initial-scale')) {
    // Go's strconv.ParseBool spellings, plus any casing of true/false.
    const v = String(d['allow-zero-initial-scale']).trim();
    if (['1', 't', 'T'].includes(v) || v.toLowerCase() === 'true') cfg.allowZeroInitialScale = true;
    else if (['0', 'f', 'F'].includes(v) || v.toLowerCase() === 'false') cfg.allowZeroInitialScale = false;
    else problems.push({ path: 'allow-zero-initial-scale', message: MSG.invalid(d['allow-zero-initial-scale']) });
  }
  if (problems.length > 0) throw new FieldError(problems);
  return cfg;
}
