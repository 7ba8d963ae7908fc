import type { FeaturesConfig } from '../../config/features.js';
import type { DefaultsConfig } from '../defaulting.js';
import type { AnyResource } from '../types.js';
import type { AutoscalerValidationConfig } from './annotations.js';

export interface ValidationContext {
  /** The stored object on update (immutability, BYO-name and creator checks). */
  old?: AnyResource;
  /** config-defaults (timeout and containerConcurrency bounds). */
  config?: DefaultsConfig;
  /** config-features (multi-container, probing, gated PodSpec fields). */
  features?: Partial<FeaturesConfig>;
  /** The parts of config-autoscaler annotation validation needs. */
  autoscaler?: Partial<AutoscalerValidationConfig>;
  /**
   * Kubernetes' fieldValidation: Strict (default) reports unknown fields as problems; Warn and
   * Ignore leave them out (call findUnknownFields for the warnings).
   */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /**
   * Filled with warnings (Kubernetes `Warning: 299` texts, `path: message`) for values accepted but
   * read differently from what was written. Absent: warnings are not collected.
   */
  warnings?: string[];
  /** A status-subresource write: metadata and spec are not re-validated (Knative's IsInStatusUpdate). */
  statusUpdate?: boolean;
}
