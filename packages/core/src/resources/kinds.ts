import { KINDS } from './kinds/registry.js';
import type { KindInfo } from './kinds/definition.js';

export {
  AUTOSCALING_GROUP,
  COLUMN,
  defineKind,
  kindInfo,
  NETWORKING_GROUP,
  SERVING_GROUP,
  SYSTEM_NAMESPACE,
  type DefaultingInput,
  type KindDefinition,
  type KindInfo,
  type PrinterColumn,
} from './kinds/definition.js';
export { KIND_DEFINITIONS, KIND_NAMES, KINDS, kindDefinition, type Kind } from './kinds/registry.js';

/** Finds a kind by its name, plural, singular or short name (what `kedge get X` accepts). */
export function lookupKind(word: string): KindInfo | undefined {
  const w = word.toLowerCase();
  return Object.values(KINDS).find(
    (k) =>
      k.kind.toLowerCase() === w ||
      k.plural === w ||
      k.singular === w ||
      (k.shortNames as readonly string[]).includes(w),
  );
}

export function resourceKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
export * from './kinds/domain-mapping/index.js';
export * from './kinds/secret/index.js';
