import type { FieldError } from '../errors.js';
import type { AnyResource } from './types.js';
import type { DefaultsConfig } from './defaults.js';

export interface ValidationContext {
  /** The stored object on update (immutability checks). */
  old?: AnyResource;
  config?: DefaultsConfig;
}

/** Knative's Validate: every problem with its field path, all at once. Filled in by the API issue. */
export function validateResource(_obj: AnyResource, _ctx: ValidationContext = {}): FieldError | undefined {
  return undefined;
}
