import { shortDiff, deepEqual } from '../diff.js';
import { nameIsDns1035Label } from '../names.js';
import { DEFAULTS_CONFIG } from '../defaulting.js';
import type { ObjectMeta } from '../types.js';
import { readAutoscalingAnnotations, validateTemplateAnnotations } from './annotations.js';
import { at, type Errs, isObj } from './errors.js';
import { validateKedgeAnnotations } from './kedge-annotations.js';
import { validateMetaSyntax } from './metadata.js';
import { validateRevisionSpec } from './revision-spec.js';
import type { ValidationContext } from './context.js';

/**
 * A parent created from generateName has a name nobody could know when writing the template, so
 * a BYO revision name is forbidden (the API may already have filled the generated name in).
 */
function parentNameGenerated(parent: Partial<ObjectMeta>, ctx: ValidationContext): boolean {
  if (ctx.old || !parent.generateName) return false;
  return !parent.name || parent.name.startsWith(parent.generateName);
}

/**
 * Knative's RevisionTemplateSpec.Validate at `path` (`spec.template`): the revision spec,
 * the template's annotations, and a bring-your-own revision name that must carry the parent's
 * name as prefix.
 */
export function validateTemplate(
  template: unknown,
  path: string,
  errs: Errs,
  parent: Partial<ObjectMeta>,
  ctx: ValidationContext,
): void {
  if (!isObj(template)) {
    errs.missing(path);
    return;
  }
  const meta = (isObj(template.metadata) ? template.metadata : {}) as Partial<ObjectMeta>;
  const mp = at(path, 'metadata');
  validateMetaSyntax(meta, mp, errs);
  readAutoscalingAnnotations(meta.annotations, at(mp, 'annotations'), errs, ctx.autoscaler);
  validateTemplateAnnotations(meta.annotations, at(mp, 'annotations'), errs);
  validateKedgeAnnotations(meta.annotations, at(mp, 'annotations'), errs, ctx.warnings);

  const generateName = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (generateName) {
    const msgs = nameIsDns1035Label(generateName, true);
    if (msgs.length) errs.invalid(at(mp, 'generateName'), `not a DNS 1035 label prefix: [${msgs.join(' ')}]`);
  }
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (name) {
    const msgs = nameIsDns1035Label(name, false);
    if (msgs.length) errs.invalid(at(mp, 'name'), `not a DNS 1035 label: [${msgs.join(' ')}]`);
    else if (parentNameGenerated(parent, ctx)) errs.disallowed(at(mp, 'name'));
    else if (parent.name && !name.startsWith(`${parent.name}-`))
      errs.invalid(at(mp, 'name'), `${JSON.stringify(name)} must have prefix ${JSON.stringify(`${parent.name}-`)}`);
  }
  validateRevisionSpec(template.spec, at(path, 'spec'), errs, {
    defaults: { ...DEFAULTS_CONFIG, ...ctx.config },
    features: ctx.features,
    annotations: meta.annotations,
  });
}

/**
 * A BYO revision name names exactly one revision: changing the template while keeping the
 * name is an error (Knative's VerifyNameChange).
 */
export function verifyNameChange(template: unknown, oldTemplate: unknown, path: string, errs: Errs): void {
  if (!isObj(template)) return;
  const name = isObj(template.metadata) ? template.metadata.name : undefined;
  if (!name) return;
  const oldName = isObj(oldTemplate) && isObj(oldTemplate.metadata) ? oldTemplate.metadata.name : undefined;
  if (name !== oldName) return;
  if (!deepEqual(oldTemplate, template))
    errs.add(
      at(at(path, 'metadata'), 'name'),
      `Saw the following changes without a name change (-old +new):\n${shortDiff(oldTemplate, template)}`,
    );
}
