import { expect } from 'vitest';
import { FieldError } from '../src/errors.js';
import { applyDefaults } from '../src/resources/defaults.js';
import type { AnyResource, Configuration, Service } from '../src/resources/types.js';
import { validateResource, type ValidationContext } from '../src/resources/validation.js';

/** One row of a validation table: `obj` is refused at exactly the paths `want` (none: it is valid). */
export interface ValidationCase {
  name: string;
  obj: unknown;
  want: string[];
  /** Every problem's message contains it. */
  msg?: string;
  ctx?: ValidationContext;
}

/** The name and namespace every fixture has unless a test says otherwise. */
export const HELLO_METADATA = { name: 'hello', namespace: 'default' } as const;
/** A Service's or Configuration's spec with one wasm container. */
export const HELLO_TEMPLATE_SPEC = { template: { spec: { containers: [{ image: 'hello.wasm' }] } } } as const;

/**
 * A serving.knative.dev/v1 object of `kind`, defaulted as the API would store it (unless `defaults`
 * is false), then changed by `edit`, which may mutate it freely: each call builds a fresh one.
 */
export function servingObject<T extends AnyResource>(
  kind: string,
  spec: object,
  edit: (o: any) => void = () => {},
  defaults = true,
  metadata: object = HELLO_METADATA,
): T {
  const raw = structuredClone({ apiVersion: 'serving.knative.dev/v1', kind, metadata, spec }) as unknown as T;
  const o: any = defaults ? applyDefaults(raw) : raw;
  edit(o);
  return o;
}

/** A defaulted Service `hello` with one wasm container, changed by `edit` (undefaulted when `defaults` is false). */
export const serviceFixture = (edit?: (s: any) => void, defaults = true) =>
  servingObject<Service>('Service', HELLO_TEMPLATE_SPEC, edit, defaults);

/** A defaulted Configuration `hello` with one wasm container, changed by `edit`. */
export const configurationFixture = (edit?: (c: any) => void) =>
  servingObject<Configuration>('Configuration', HELLO_TEMPLATE_SPEC, edit);

/** The field problems `parse` throws as a FieldError ([] when it returns); any other error is thrown on. */
export function thrownProblems(parse: () => unknown): readonly { path: string; message: string }[] {
  try {
    parse();
    return [];
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    return err.problems;
  }
}

/** What validateResource finds wrong with `obj` ([] when it is valid). */
export function problems(obj: unknown, ctx?: ValidationContext) {
  return validateResource(obj as AnyResource, ctx)?.problems ?? [];
}

/** The problems are at exactly the paths `want` (in any order), and every message contains `msg`. */
export function expectProblems(
  found: readonly { path: string; message: string }[],
  want: readonly string[],
  msg?: string,
): void {
  expect(found.map((p) => p.path).sort()).toEqual([...want].sort());
  if (msg) expect(found.every((p) => p.message.includes(msg))).toBe(true);
}

/** A table row checked: validateResource refuses its object at its paths, with its message. */
export function expectCase(c: ValidationCase): void {
  expectProblems(problems(c.obj, c.ctx), c.want, c.msg);
}
