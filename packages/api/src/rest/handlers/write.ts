import { kindDefinition } from '@kedge/core';
import { isNamespaceName } from '../admit.js';
import { ApiError, badRequest } from '../status.js';
import type { Target } from './context.js';

/** What every write checks first: the kind takes writes, and the namespace is one a Store can hold. */
export function requireWritable(t: Target): void {
  // The internal kinds (PodAutoscaler, ServerlessService) are read-only views.
  if (!kindDefinition(t.kind)?.writable)
    throw new ApiError(
      'MethodNotAllowed',
      `${t.info.plural}.${t.info.group} are managed by Kedge and are read-only through the API`,
    );
  if (!isNamespaceName(t.namespace!))
    throw badRequest(`invalid namespace "${t.namespace}": must be a DNS-1123 label`, [
      { field: 'metadata.namespace', message: 'must be a DNS-1123 label' },
    ]);
}

/** `?dryRun=All` (the only value the apiserver takes): validate and answer, store nothing. */
export function dryRunOf(q: URLSearchParams): boolean {
  const d = q.getAll('dryRun');
  for (const v of d) if (v !== 'All') throw badRequest(`dryRun must be "All", got "${v}"`);
  return d.length > 0;
}

/** Admission warnings as the `Warning` headers kubectl prints. */
export function warningHeaders(warnings: string[]): Record<string, string> {
  return warnings.length ? { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {};
}
