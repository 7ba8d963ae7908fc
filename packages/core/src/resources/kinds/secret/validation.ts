import { deepEqual } from '../../diff.js';
import type { ValidationContext } from '../../validation/context.js';
import { type Errs, isObj, type Obj } from '../../validation/errors.js';
import { metaOf, validateSubdomainObjectMeta } from '../../validation/metadata.js';
import { tlsPairProblems } from './tls.js';
import { SECRET_TYPE_TLS, TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY } from './types.js';

/** Kubernetes' limit on a Secret's data (pkg/apis/core/validation: MaxSecretSize). */
export const MAX_SECRET_BYTES = 1024 * 1024;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Kubernetes' IsConfigMapKey. */
function configKeyProblem(k: string): string | undefined {
  if (k.length > 253) return 'must be no more than 253 characters';
  if (!CONFIG_KEY.test(k)) return "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
  if (k === '.' || k === '..' || k.startsWith('..')) return "must not be '.' or '..' or start with '..'";
  return undefined;
}

/**
 * Kubernetes' ValidateSecret (pkg/apis/core/validation/validation.go): the name, `data` keys and
 * size, the keys a `kubernetes.io/tls` Secret must have, and on update `type` and an `immutable`
 * Secret's data frozen. Kedge also checks that a TLS Secret's certificate and key parse and match,
 * since its gateway is the one that will load them.
 */
export function validateSecret(o: Obj, errs: Errs, ctx: ValidationContext): void {
  validateSubdomainObjectMeta(metaOf(o), errs);
  if (o.type !== undefined && typeof o.type !== 'string') errs.invalid('type', o.type, 'must be a string');
  if (o.immutable !== undefined && typeof o.immutable !== 'boolean')
    errs.invalid('immutable', o.immutable, 'must be a boolean');
  // Defaulting moved every string of stringData into data: what is left is not a string.
  if (isObj(o.stringData))
    for (const [k, v] of Object.entries(o.stringData)) errs.invalid(`stringData[${k}]`, v, 'must be a string');
  else if (o.stringData !== undefined) errs.invalid('stringData', o.stringData, 'must be a map of strings');

  const data = o.data ?? {};
  if (!isObj(data)) errs.invalid('data', data, 'must be a map of base64 strings');
  else {
    let bytes = 0;
    for (const [k, v] of Object.entries(data)) {
      const keyProblem = configKeyProblem(k);
      if (keyProblem) errs.invalid(`data[${k}]`, k, keyProblem);
      if (typeof v !== 'string' || !BASE64.test(v))
        errs.invalid(
          `data[${k}]`,
          '<value>',
          'must be base64 (the bytes of a Secret go in data base64-encoded, or as text in stringData)',
        );
      else bytes += Buffer.byteLength(v, 'base64');
    }
    if (bytes > MAX_SECRET_BYTES) errs.add('data', `Too long: must have at most ${MAX_SECRET_BYTES} bytes`);
    if (o.type === SECRET_TYPE_TLS) validateTlsData(data, errs);
  }

  const old = ctx.old as Obj | undefined;
  if (old) {
    if ((old.type ?? 'Opaque') !== (o.type ?? 'Opaque')) errs.invalid('type', o.type, 'field is immutable');
    if (old.immutable === true) {
      if (o.immutable !== true) errs.add('immutable', 'field is immutable when `immutable` is set');
      if (!deepEqual(old.data ?? {}, o.data ?? {})) errs.add('data', 'field is immutable when `immutable` is set');
    }
  }
}

function validateTlsData(data: Obj, errs: Errs): void {
  const cert = data[TLS_CERT_KEY];
  const key = data[TLS_PRIVATE_KEY_KEY];
  if (cert === undefined) errs.missing(`data[${TLS_CERT_KEY}]`);
  if (key === undefined) errs.missing(`data[${TLS_PRIVATE_KEY_KEY}]`);
  if (typeof cert !== 'string' || typeof key !== 'string' || !BASE64.test(cert) || !BASE64.test(key)) return;
  const problems = tlsPairProblems(Buffer.from(cert, 'base64'), Buffer.from(key, 'base64'));
  if (problems.cert) errs.add(`data[${TLS_CERT_KEY}]`, problems.cert);
  if (problems.key) errs.add(`data[${TLS_PRIVATE_KEY_KEY}]`, problems.key);
}
