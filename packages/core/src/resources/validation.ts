import type { FieldError } from '../errors.js';
import { KIND_NAMES, kindDefinition } from './kinds/registry.js';
import type { AnyResource } from './types.js';
import type { ValidationContext } from './validation/context.js';
import { Errs, isObj, MSG } from './validation/errors.js';
import { unknownFieldsOf } from './validation/fields.js';

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
  const def = typeof kindName === 'string' ? kindDefinition(kindName) : undefined;
  const info = def?.info;
  if (kindName === undefined || kindName === '') errs.missing('kind');
  else if (!info) errs.invalid('kind', kindName, `expected one of ${KIND_NAMES.join(', ')}`);
  if (o.apiVersion === undefined || o.apiVersion === '') errs.missing('apiVersion');
  else if (info && o.apiVersion !== info.apiVersion)
    errs.invalid('apiVersion', o.apiVersion, `${info.kind} is served as ${info.apiVersion}`);
  if (!isObj(o.metadata)) errs.missing('metadata');
  if (!def || !isObj(o.metadata)) return finish(errs);

  if ((ctx.fieldValidation ?? 'Strict') === 'Strict') for (const p of findUnknownFields(o)) errs.add(p, MSG.unknown);
  if (ctx.old && (ctx.old.kind !== o.kind || ctx.old.metadata?.name !== (o.metadata as { name?: string }).name))
    errs.invalid(
      'metadata.name',
      (o.metadata as { name?: string }).name ?? '',
      'the stored object has another kind or name',
    );

  def.validate(o, errs, ctx);
  return finish(errs);
}

/** Paths of fields the object's kind does not have (for `fieldValidation=Strict|Warn`). */
export function findUnknownFields(obj: unknown): string[] {
  if (!isObj(obj)) return [];
  const def = kindDefinition(String(obj.kind));
  return def ? unknownFieldsOf(obj, def.fields) : [];
}

function finish(errs: Errs): FieldError | undefined {
  // A misspelt field is only "unknown"; saying also that it must not be set would be noise.
  const unknown = new Set(errs.problems.filter((p) => p.message === MSG.unknown).map((p) => p.path));
  if (unknown.size > 0) {
    const keep = errs.problems.filter((p) => p.message === MSG.unknown || !unknown.has(p.path));
    errs.problems.splice(0, errs.problems.length, ...keep);
  }
  // Stable order (Knative sorts too): by path, then message.
  errs.problems.sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0,
  );
  return errs.toError();
}
