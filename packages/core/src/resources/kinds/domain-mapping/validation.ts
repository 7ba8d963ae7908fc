import { CLUSTER_LOCAL_DOMAIN } from '../../../config/domain.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../../names.js';
import type { ValidationContext } from '../../validation/context.js';
import { at, type Errs, isObj, type Obj } from '../../validation/errors.js';
import { metaOf, validateCreatorAndModifier, validateMetaSyntax } from '../../validation/metadata.js';

/** The cluster domain (`cluster.local`), whose subdomains are Kubernetes Service names, not mappable domains. */
const CLUSTER_DOMAIN = CLUSTER_LOCAL_DOMAIN.replace(/^svc\./, '');

/** Kubernetes' IsFullyQualifiedDomainName, as its aggregate message. */
function fqdnProblem(name: string): string | undefined {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = dns1123SubdomainErrors(n);
  if (sub.length) return `name: Invalid value: ${JSON.stringify(n)}: ${sub.join(',')}`;
  const labels = n.split('.');
  if (labels.length < 2)
    return `name: Invalid value: ${JSON.stringify(n)}: should be a domain with at least two segments separated by dots`;
  for (const l of labels) {
    const msgs = dns1123LabelErrors(l);
    if (msgs.length) return `name: Invalid value: ${JSON.stringify(l)}: ${msgs.join(',')}`;
  }
  return undefined;
}

/**
 * Knative's DomainMapping.Validate (pkg/apis/serving/v1beta1/domainmapping_validation.go) with the
 * duck KReference.Validate of `spec.ref` (knative.dev/pkg/apis/duck/v1/knative_reference.go):
 * the name is a fully qualified domain outside the cluster domain, no generateName, a complete
 * ref in the mapping's own namespace, creator annotations kept on update.
 */
export function validateDomainMapping(o: Obj, errs: Errs, ctx: ValidationContext): void {
  const meta = metaOf(o);
  if (ctx.statusUpdate) return;
  if (meta.generateName) errs.disallowed('metadata.generateName');
  const name = typeof meta.name === 'string' ? meta.name : '';
  const problem = name ? fqdnProblem(name) : 'name: Required value';
  if (problem) errs.add('metadata.name', `invalid name ${JSON.stringify(name)}: ${problem}`);
  if (name.endsWith(`.${CLUSTER_DOMAIN}`))
    errs.add(
      'metadata.name',
      `invalid name ${JSON.stringify(name)}: must not be a subdomain of cluster local domain ${JSON.stringify(CLUSTER_DOMAIN)}`,
    );
  validateMetaSyntax(meta, 'metadata', errs);

  const spec = isObj(o.spec) ? o.spec : undefined;
  if (!spec) errs.missing('spec');
  else {
    validateRef(spec.ref, 'spec.ref', meta.namespace ?? '', errs);
    validateTls(spec.tls, 'spec.tls', errs);
  }
  const old = ctx.old as Obj | undefined;
  if (old) validateCreatorAndModifier(old, o, errs);
}

function validateRef(ref: unknown, path: string, parentNamespace: string, errs: Errs): void {
  const r = isObj(ref) ? ref : {};
  for (const f of ['apiVersion', 'kind', 'name'] as const) {
    const v = r[f];
    if (v === undefined || v === null || v === '') errs.missing(at(path, f));
    else if (typeof v !== 'string') errs.invalid(at(path, f), v, 'must be a string');
  }
  const ns = r.namespace;
  if (ns !== undefined && ns !== '' && parentNamespace && ns !== parentNamespace)
    errs.add(
      at(path, 'namespace'),
      `mismatched namespaces: parent namespace: ${JSON.stringify(parentNamespace)} does not match ref: ${JSON.stringify(ns)}`,
    );
}

function validateTls(tls: unknown, path: string, errs: Errs): void {
  if (tls === undefined || tls === null) return;
  if (!isObj(tls)) {
    errs.invalid(path, tls, 'must be an object with secretName');
    return;
  }
  const name = tls.secretName;
  if (name === undefined || name === '') errs.missing(at(path, 'secretName'));
  else if (typeof name !== 'string') errs.invalid(at(path, 'secretName'), name, 'must be a string');
  else {
    const msgs = dns1123SubdomainErrors(name);
    if (msgs.length) errs.invalid(at(path, 'secretName'), name, `not a Secret name: [${msgs.join(' ')}]`);
  }
}
