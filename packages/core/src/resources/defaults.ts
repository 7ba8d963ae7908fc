import { DEFAULTS_CONFIG, type DefaultingContext, type DefaultsConfig } from './defaulting.js';
import { kindDefinition } from './kinds/registry.js';
import type { AnyResource } from './types.js';
import { isObj, type Obj } from './validation/errors.js';

export { DEFAULTS_CONFIG, defaultRevisionSpec, type DefaultingContext, type DefaultsConfig } from './defaulting.js';

/**
 * Knative's SetDefaults: returns a defaulted copy (the input is not touched). Pass `ctx.old`
 * on updates: a Revision's spec is then left alone, and a template kept under the same name
 * is not re-defaulted. Each kind's own defaulting is its definition's `setDefaults`.
 */
export function applyDefaults<T extends AnyResource>(
  obj: T,
  config: DefaultsConfig = DEFAULTS_CONFIG,
  ctx: DefaultingContext = {},
): T {
  const copy = structuredClone(obj);
  const o = copy as unknown as Obj;
  if (!isObj(o.metadata)) return copy;
  const name = String(o.metadata.name ?? o.metadata.generateName ?? '');
  kindDefinition(String(o.kind))?.setDefaults?.(o, {
    config,
    name,
    ...(ctx.old ? { old: ctx.old as unknown as Obj } : {}),
    ...(ctx.user ? { user: ctx.user } : {}),
  });
  return copy;
}
