import { FieldErrors } from '../../errors.js';

/**
 * Knative's FieldError vocabulary (knative.dev/pkg/apis): the same messages a Knative user
 * gets back from the webhook, so their muscle memory (and their scripts) keep working.
 */
export const MSG = {
  missing: 'missing field(s)',
  disallowed: 'must not set the field(s)',
  both: 'expected exactly one, got both',
  neither: 'expected exactly one, got neither',
  unknown: 'unknown field',
  invalid: (v: unknown) => `invalid value: ${fmt(v)}`,
  bounds: (v: unknown, lo: unknown, hi: unknown) => `expected ${fmt(lo)} <= ${fmt(v)} <= ${fmt(hi)}`,
  keyName: (k: string) => `invalid key name ${JSON.stringify(k)}`,
};

function fmt(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '<unset>';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Joins a field onto a path: `spec` + `template` → `spec.template`; `[0]` joins without a dot. */
export function at(base: string, field: string | number): string {
  if (typeof field === 'number') return `${base}[${field}]`;
  if (!base) return field;
  if (!field) return base;
  return field.startsWith('[') ? `${base}${field}` : `${base}.${field}`;
}

export const MAX_INT32 = 2147483647;

/** The collector every validator writes into; one pass reports every problem at once. */
export class Errs extends FieldErrors {
  missing(path: string): this {
    return this.add(path, MSG.missing);
  }
  disallowed(path: string): this {
    return this.add(path, MSG.disallowed);
  }
  invalid(path: string, value: unknown, details?: string): this {
    return this.add(path, details ? `${MSG.invalid(value)}: ${details}` : MSG.invalid(value));
  }
  bounds(path: string, value: unknown, lo: unknown, hi: unknown): this {
    return this.add(path, MSG.bounds(value, lo, hi));
  }
  /** Knative reports a one-of violation at every path of the group. */
  oneOf(base: string, fields: string[], got: 'both' | 'neither'): this {
    for (const f of fields) this.add(at(base, f), got === 'both' ? MSG.both : MSG.neither);
    return this;
  }
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Fields of `o` that are set (not undefined/null), like Go's non-zero check for optional pointers. */
export function setFields(o: Obj): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null);
}

/** Reports every set field of `o` that is not in `allowed` as "must not set". */
export function checkDisallowed(
  errs: Errs,
  path: string,
  o: Obj,
  allowed: readonly string[],
  known?: readonly string[],
): void {
  for (const k of setFields(o)) {
    if (allowed.includes(k)) continue;
    // Unknown (misspelt) fields are reported by the unknown-field pass, not here.
    if (known && !known.includes(k)) continue;
    errs.disallowed(at(path, k));
  }
}
