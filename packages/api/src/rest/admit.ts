import {
  applyDefaults,
  FieldError,
  findUnknownFields,
  kindDefinition,
  SYSTEM_NAMESPACE,
  validateResource,
  type AnyResource,
  type ConfigMap,
  type KindInfo,
} from '@kedge/core';
import { checkGcConfig } from '../config/gc.js';
import type { ApiConfig } from '../config/live.js';
import { pruneUnknown } from './fields.js';
import { ApiError, badRequest, invalid } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface AdmitContext {
  info: KindInfo;
  /** Namespace from the URL. */
  namespace: string;
  /** Name from the URL (PUT/PATCH), absent on POST. */
  name?: string;
  old?: AnyResource;
  config: ApiConfig;
  fieldValidation: FieldValidation;
  /** Random suffix source for generateName. */
  suffix: () => string;
}

export interface Admitted {
  object: AnyResource;
  warnings: string[];
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isNamespaceName(ns: string): boolean {
  return ns.length <= 63 && DNS1123_LABEL.test(ns);
}

export function isObjectName(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

/**
 * What the apiserver does to a written object before storing it: decode strictly, check it belongs
 * at this URL, keep server-owned parts, then Knative's defaulting and validation.
 */
export function admit(raw: Record<string, unknown>, ctx: AdmitContext): Admitted {
  const { info } = ctx;
  const warnings: string[] = [];
  const where = ctx.name ?? (raw.metadata as { name?: unknown } | undefined)?.name ?? '';

  if (raw.apiVersion !== info.apiVersion || raw.kind !== info.kind) {
    const causes = [];
    if (raw.apiVersion !== info.apiVersion)
      causes.push({
        field: 'apiVersion',
        message: `expected "${info.apiVersion}", got ${JSON.stringify(raw.apiVersion ?? null)}`,
      });
    if (raw.kind !== info.kind)
      causes.push({ field: 'kind', message: `expected "${info.kind}", got ${JSON.stringify(raw.kind ?? null)}` });
    throw badRequest(
      `the body is ${raw.apiVersion ?? '(no apiVersion)'}, Kind=${raw.kind ?? '(no kind)'} but this URL serves ${info.apiVersion}, Kind=${info.kind}`,
      causes,
    );
  }

  const unknown = findUnknownFields(raw);
  if (unknown.length) {
    if (ctx.fieldValidation === 'Strict')
      throw badRequest(
        `strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`,
        unknown.map((field) => ({ field, message: 'unknown field', reason: 'FieldValueInvalid' })),
      );
    pruneUnknown(raw, unknown);
    if (ctx.fieldValidation === 'Warn') for (const p of unknown) warnings.push(`unknown field "${p}"`);
  }

  const meta = raw.metadata;
  if (meta === undefined || meta === null || typeof meta !== 'object' || Array.isArray(meta))
    throw invalid(info, String(where), FieldError.of('metadata', 'missing field(s)'));
  const m = meta as Record<string, unknown>;
  if (m.namespace !== undefined && m.namespace !== '' && m.namespace !== ctx.namespace)
    throw badRequest(
      `the namespace of the object (${String(m.namespace)}) does not match the namespace in the URL (${ctx.namespace})`,
      [{ field: 'metadata.namespace', message: `does not match the namespace in the URL (${ctx.namespace})` }],
    );
  m.namespace = ctx.namespace;

  if (ctx.name !== undefined) {
    if (m.name !== undefined && m.name !== ctx.name)
      throw badRequest(`the name of the object (${String(m.name)}) does not match the name in the URL (${ctx.name})`, [
        { field: 'metadata.name', message: `does not match the name in the URL (${ctx.name})` },
      ]);
    m.name = ctx.name;
  } else if ((m.name === undefined || m.name === '') && typeof m.generateName === 'string' && m.generateName) {
    m.name = `${m.generateName}${ctx.suffix()}`;
  }
  if (typeof m.name !== 'string' || !m.name)
    throw invalid(info, '', FieldError.of('metadata.name', 'name or generateName is required'));
  if (m.name.length > 253 || !DNS1123_SUBDOMAIN.test(m.name))
    throw invalid(
      info,
      m.name,
      FieldError.of(
        'metadata.name',
        `invalid value: ${m.name}: must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      ),
    );

  if (ctx.old) {
    delete m.uid;
    delete m.creationTimestamp;
  } else {
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'deletionTimestamp']) delete m[k];
  }
  delete m.managedFields;

  // Knative's kinds have a status subresource: writes to the object never change status.
  if (kindDefinition(info.kind)?.statusSubresource) {
    const oldStatus = (ctx.old as { status?: unknown } | undefined)?.status;
    if (oldStatus !== undefined) raw.status = oldStatus;
    else delete raw.status;
  }

  let obj = raw as unknown as AnyResource;
  const old = ctx.old ? { old: ctx.old } : {};
  obj = applyDefaults(obj, ctx.config.defaults, old);
  // Unknown fields were handled above (rejected, or pruned with a warning).
  const err = validateResource(obj, {
    ...old,
    config: ctx.config.defaults,
    features: ctx.config.features,
    autoscaler: ctx.config.autoscaler,
    fieldValidation: 'Ignore',
    warnings,
  });
  if (err) throw invalid(info, m.name, err);
  // config-gc is Kedge's to parse (core validates the other config-* maps).
  if (obj.kind === 'ConfigMap' && obj.metadata.namespace === SYSTEM_NAMESPACE && obj.metadata.name === 'config-gc') {
    const { problems } = checkGcConfig((obj as ConfigMap).data);
    if (problems.length)
      throw invalid(
        info,
        m.name,
        new FieldError(problems.map((p) => ({ path: `data.${p.path}`, message: p.message }))),
      );
  }
  return { object: obj, warnings };
}

export function fieldValidationOf(q: string | undefined): FieldValidation {
  if (q === undefined || q === '' || q === 'Strict') return 'Strict';
  if (q === 'Warn' || q === 'Ignore') return q;
  throw new ApiError('BadRequest', `fieldValidation must be Strict, Warn or Ignore, got "${q}"`);
}
