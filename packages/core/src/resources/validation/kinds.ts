import type { ObjectMeta } from '../types.js';
import { deepEqual, shortDiff } from '../diff.js';
import {
  readAutoscalingAnnotations,
  validateNoAutoscalingAnnotations,
  validateRolloutDuration,
  validateTemplateAnnotations,
} from './annotations.js';
import type { ValidationContext } from './context.js';
import { type Errs, isObj, type Obj } from './errors.js';
import {
  CONFIGURATION_LABEL,
  metaOf,
  SERVICE_LABEL,
  validateCreatorAndModifier,
  validateMetaSyntax,
  validateNames,
  validateOwnerLabel,
  validateVisibilityLabel,
} from './metadata.js';
import { validateKedgeAnnotations } from './kedge-annotations.js';
import { validateRevisionSpec } from './revision-spec.js';
import { validateTemplate, verifyNameChange } from './template.js';
import { validateTraffic } from './traffic.js';
import { DEFAULTS_CONFIG } from '../defaulting.js';

function specOf(o: Obj | undefined): Obj | undefined {
  return o && isObj(o.spec) ? o.spec : undefined;
}

/** The metadata checks Service, Configuration and Route share on a spec write. */
function validateServingMeta(meta: Partial<ObjectMeta>, errs: Errs): void {
  validateNames(meta, 'metadata', errs);
  validateMetaSyntax(meta, 'metadata', errs);
  validateNoAutoscalingAnnotations(meta.annotations, 'metadata.annotations', errs);
}

/** Not owned by a Service: a Service's children carry the Service's creator annotations, unchecked. */
function isStandalone(meta: Partial<ObjectMeta>): boolean {
  return !meta.ownerReferences || meta.ownerReferences.length === 0;
}

/**
 * Status is checked when status is what is being written. On spec writes it is the server's
 * stored copy, which the user could not fix anyway.
 */
function validateStatusTraffic(o: Obj, errs: Errs, ctx: ValidationContext): void {
  if (!ctx.statusUpdate) return;
  const status = isObj(o.status) ? o.status : undefined;
  if (status && Array.isArray(status.traffic) && status.traffic.length > 0)
    validateTraffic(status.traffic, 'status.traffic', errs, { hasDefaultConfigurationName: false, within: 'status' });
}

/** Knative's Service.Validate. */
export function validateService(o: Obj, errs: Errs, ctx: ValidationContext): void {
  const meta = metaOf(o);
  const old = ctx.old as Obj | undefined;
  if (!ctx.statusUpdate) {
    validateServingMeta(meta, errs);
    validateRolloutDuration(meta.annotations, 'metadata.annotations', errs);
    validateVisibilityLabel(meta, 'metadata', errs);
    const spec = specOf(o);
    if (!spec) errs.missing('spec');
    else {
      validateTemplate(spec.template, 'spec.template', errs, meta, ctx);
      validateTraffic(spec.traffic, 'spec.traffic', errs, { hasDefaultConfigurationName: true, within: 'spec' });
    }
  }
  validateStatusTraffic(o, errs, ctx);
  if (old) {
    validateCreatorAndModifier(old, o, errs);
    verifyNameChange(specOf(o)?.template, specOf(old)?.template, 'spec.template', errs);
  }
}

/** Knative's Configuration.Validate. */
export function validateConfiguration(o: Obj, errs: Errs, ctx: ValidationContext): void {
  const meta = metaOf(o);
  const old = ctx.old as Obj | undefined;
  if (!ctx.statusUpdate) {
    validateServingMeta(meta, errs);
    validateOwnerLabel(meta, SERVICE_LABEL, 'Service', 'metadata', errs);
    const spec = specOf(o);
    if (!spec) errs.missing('spec');
    else validateTemplate(spec.template, 'spec.template', errs, meta, ctx);
  }
  if (old) {
    if (isStandalone(meta)) validateCreatorAndModifier(old, o, errs);
    verifyNameChange(specOf(o)?.template, specOf(old)?.template, 'spec.template', errs);
  }
}

/** Knative's Route.Validate. */
export function validateRoute(o: Obj, errs: Errs, ctx: ValidationContext): void {
  const meta = metaOf(o);
  const old = ctx.old as Obj | undefined;
  if (!ctx.statusUpdate) {
    validateServingMeta(meta, errs);
    validateRolloutDuration(meta.annotations, 'metadata.annotations', errs);
    validateOwnerLabel(meta, SERVICE_LABEL, 'Service', 'metadata', errs);
    validateVisibilityLabel(meta, 'metadata', errs);
    const spec = specOf(o);
    if (!spec || Object.keys(spec).length === 0) errs.missing('spec');
    else validateTraffic(spec.traffic, 'spec.traffic', errs, { hasDefaultConfigurationName: false, within: 'spec' });
  }
  validateStatusTraffic(o, errs, ctx);
  if (old && isStandalone(meta)) validateCreatorAndModifier(old, o, errs);
}

/** Knative's Revision.Validate: on update the spec is frozen and nothing else is said about it. */
export function validateRevision(o: Obj, errs: Errs, ctx: ValidationContext): void {
  const meta = metaOf(o);
  const old = ctx.old as Obj | undefined;
  validateNames(meta, 'metadata', errs);
  validateMetaSyntax(meta, 'metadata', errs);
  readAutoscalingAnnotations(meta.annotations, 'metadata.annotations', errs, ctx.autoscaler);
  validateTemplateAnnotations(meta.annotations, 'metadata.annotations', errs);
  // A Configuration's revisions carry its template's annotations: warned about there already.
  validateKedgeAnnotations(meta.annotations, 'metadata.annotations', errs, old ? undefined : ctx.warnings);
  validateOwnerLabel(meta, CONFIGURATION_LABEL, 'Configuration', 'metadata', errs);
  if (old) {
    if (!deepEqual(old.spec, o.spec))
      errs.add('spec', `Immutable fields changed (-old +new):\n${shortDiff(old.spec, o.spec)}`);
  } else if (!ctx.statusUpdate) {
    validateRevisionSpec(o.spec, 'spec', errs, {
      defaults: { ...DEFAULTS_CONFIG, ...ctx.config },
      features: ctx.features,
      annotations: meta.annotations,
    });
  }
}

/** The internal kinds only need a sound name. */
export function validateInternal(o: Obj, errs: Errs): void {
  const meta = metaOf(o);
  validateNames(meta, 'metadata', errs);
  validateMetaSyntax(meta, 'metadata', errs);
  if (!specOf(o)) errs.missing('spec');
}
