import type { FieldError } from '../errors.js';
import { KINDS, type Kind } from './kinds.js';
import type { AnyResource } from './types.js';
import type { ValidationContext } from './validation/context.js';
import { Errs, isObj, MSG } from './validation/errors.js';
import { findUnknownFields } from './validation/fields.js';
import { validateConfigMap } from './validation/configmap.js';
import { validateConfiguration, validateInternal, validateRevision, validateRoute, validateService } from './validation/kinds.js';

export type { ValidationContext } from './validation/context.js';

/**
 * Knative's Validate: every problem with its field path, all at once, sorted by path.
 * Call it on the defaulted object (Knative's webhook defaults first, then validates).
 */
export function validateResource(obj: AnyResource, ctx: ValidationContext = {}): FieldError | undefined {
  const errs = new Errs();
  const o = obj as unknown;
  if (!isObj(o)) return errs.add('', 'expected an object').toError();

  const kindName = o.kind;
  const info = typeof kindName === 'string' ? KINDS[kindName as Kind] : undefined;
  if (kindName === undefined || kindName === '') errs.missing('kind');
  else if (!info) errs.invalid('kind', kindName, `expected one of ${Object.keys(KINDS).join(', ')}`);
  if (o.apiVersion === undefined || o.apiVersion === '') errs.missing('apiVersion');
  else if (info && o.apiVersion !== info.apiVersion) errs.invalid('apiVersion', o.apiVersion, `${info.kind} is served as ${info.apiVersion}`);
  if (!isObj(o.metadata)) errs.missing('metadata');
  if (!info || !isObj(o.metadata)) return finish(errs);

  if ((ctx.fieldValidation ?? 'Strict') === 'Strict') for (const p of findUnknownFields(o)) errs.add(p, MSG.unknown);
  if (ctx.old && (ctx.old.kind !== o.kind || ctx.old.metadata?.name !== (o.metadata as { name?: string }).name))
    errs.invalid('metadata.name', (o.metadata as { name?: string }).name ?? '', 'the stored object has another kind or name');

  switch (info.kind) {
    case 'Service':
      validateService(o, errs, ctx);
      break;
    case 'Configuration':
      validateConfiguration(o, errs, ctx);
      break;
    case 'Route':
      validateRoute(o, errs, ctx);
      break;
    case 'Revision':
      validateRevision(o, errs, ctx);
      break;
    case 'ConfigMap':
      validateConfigMap(o, errs);
      break;
    default:
      validateInternal(o, errs);
  }
  return finish(errs);
}

function finish(errs: Errs): FieldError | undefined {
  // A misspelt field is only "unknown"; saying also that it must not be set would be noise.
  const unknown = new Set(errs.problems.filter((p) => p.message === MSG.unknown).map((p) => p.path));
  if (unknown.size > 0) {
    const keep = errs.problems.filter((p) => p.message === MSG.unknown || !unknown.has(p.path));
    errs.problems.splice(0, errs.problems.length, ...keep);
  }
  // Stable order (Knative sorts too): by path, then message.
  errs.problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  return errs.toError();
}
