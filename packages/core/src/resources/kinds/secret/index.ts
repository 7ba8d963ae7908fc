import { isObj } from '../../validation/errors.js';
import { leaves, metadata, obj } from '../../validation/fields.js';
import { defineKind, kindInfo, str } from '../definition.js';
import { validateSecret } from './validation.js';

export * from './types.js';
export { tlsPairProblems } from './tls.js';

/**
 * Kubernetes' v1 Secret, stored so a DomainMapping can name its certificate (`spec.tls.secretName`).
 * Reading Secrets needs the API token, like writing; tables show only the type and the key count.
 */
export const secretKind = defineKind({
  info: kindInfo('Secret', 'secrets', '', 'v1', []),
  writable: true,
  statusSubresource: false,
  strategicMergePatch: true,
  sensitive: true,
  fields: obj({ ...leaves('apiVersion', 'kind', 'data', 'stringData', 'type', 'immutable'), metadata }),
  // The apiserver merges stringData into data (base64) and defaults the type.
  setDefaults(o) {
    if (o.type === undefined || o.type === '') o.type = 'Opaque';
    if (!isObj(o.stringData)) return;
    const data = isObj(o.data) ? o.data : {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o.stringData)) {
      if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
      else rest[k] = v;
    }
    o.data = data;
    if (Object.keys(rest).length) o.stringData = rest;
    else delete o.stringData;
  },
  validate: validateSecret,
  columns: [
    { name: 'Type', type: 'string', cell: (o) => str((o as { type?: string }).type) },
    { name: 'Data', type: 'integer', cell: (o) => Object.keys((o as { data?: object }).data ?? {}).length },
  ],
  owns: [],
  openApiProperties: {
    type: { type: 'string' },
    immutable: { type: 'boolean' },
    data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
    stringData: { type: 'object', additionalProperties: { type: 'string' }, writeOnly: true },
  },
});
