import { createHash } from 'node:crypto';
import { KEDGE_VERSION, KINDS, kindDefinition, type KindInfo } from '@kedge/core';

const statusSchema = {
  type: 'object',
  description: 'Kubernetes metav1.Status: the body of every error response.',
  properties: {
    kind: { type: 'string', enum: ['Status'] },
    apiVersion: { type: 'string', enum: ['v1'] },
    status: { type: 'string', enum: ['Failure', 'Success'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    code: { type: 'integer' },
    details: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        group: { type: 'string' },
        kind: { type: 'string' },
        causes: {
          type: 'array',
          items: {
            type: 'object',
            properties: { field: { type: 'string' }, message: { type: 'string' }, reason: { type: 'string' } },
          },
        },
      },
    },
  },
};

const ref = (k: KindInfo) => ({ $ref: `#/components/schemas/${k.kind}` });
const errors = {
  default: {
    description: 'Error as a Kubernetes Status object',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Status' } } },
  },
};
const q = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description,
});
const gvk = (k: KindInfo) => ({ group: k.group, version: k.version, kind: k.kind });

function prefix(k: KindInfo): string {
  return k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
}

function pathsFor(k: KindInfo): Record<string, unknown> {
  const ok = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
  const list = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      items: { type: 'array', items: ref(k) },
    },
  };
  const def = kindDefinition(k.kind)!;
  const write = def.writable;
  const body = {
    required: true,
    content: { 'application/json': { schema: ref(k) }, 'application/yaml': { schema: ref(k) } },
  };
  const writeParams = [
    q('dryRun', 'All: default and validate, store nothing'),
    q('fieldValidation', 'Strict (default) | Warn | Ignore unknown fields'),
  ];
  const collection: Record<string, unknown> = {
    get: {
      operationId: `list${k.kind}`,
      'x-kubernetes-group-version-kind': gvk(k),
      parameters: [
        q('labelSelector', 'k=v, k!=v, k, !k'),
        q('fieldSelector', 'metadata.name, metadata.namespace'),
        q('watch', 'true: stream newline-delimited {type, object} events'),
        q('resourceVersion', 'watch from this version'),
        q('timeoutSeconds', 'end a watch after this long'),
      ],
      responses: { '200': ok(list), ...errors },
    },
  };
  if (write)
    collection.post = {
      operationId: `create${k.kind}`,
      'x-kubernetes-group-version-kind': gvk(k),
      parameters: writeParams,
      requestBody: body,
      responses: { '201': ok(ref(k), 'Created'), ...errors },
    };
  const item: Record<string, unknown> = {
    get: {
      operationId: `read${k.kind}`,
      'x-kubernetes-group-version-kind': gvk(k),
      responses: { '200': ok(ref(k)), ...errors },
    },
  };
  if (write) {
    item.put = {
      operationId: `replace${k.kind}`,
      'x-kubernetes-group-version-kind': gvk(k),
      description: 'metadata.resourceVersion is required and must match the stored object (else 409 Conflict).',
      parameters: writeParams,
      requestBody: body,
      responses: { '200': ok(ref(k)), ...errors },
    };
    item.patch = {
      operationId: `patch${k.kind}`,
      'x-kubernetes-group-version-kind': gvk(k),
      parameters: writeParams,
      requestBody: {
        required: true,
        content: {
          'application/merge-patch+json': { schema: { type: 'object' } },
          'application/json-patch+json': { schema: { type: 'array', items: { type: 'object' } } },
          ...(def.strategicMergePatch
            ? { 'application/strategic-merge-patch+json': { schema: { type: 'object' } } }
            : {}),
        },
      },
      responses: { '200': ok(ref(k)), ...errors },
    };
    item.delete = {
      operationId: `delete${k.kind}`,
      'x-kubernetes-group-version-kind': gvk(k),
      description: 'Deletes the object and, unless propagationPolicy is Orphan, everything it owns (ownerReferences).',
      parameters: [
        q('dryRun', 'All: report, delete nothing'),
        q('propagationPolicy', 'Background (default) | Foreground | Orphan'),
      ],
      responses: { '200': ok(ref(k)), ...errors },
    };
  }
  const base = prefix(k);
  const ns = { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } };
  const name = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
  const paths: Record<string, unknown> = {
    [`${base}/${k.plural}`]: { get: { ...(collection.get as object), operationId: `list${k.kind}ForAllNamespaces` } },
    [`${base}/namespaces/{namespace}/${k.plural}`]: { parameters: [ns], ...collection },
    [`${base}/namespaces/{namespace}/${k.plural}/{name}`]: { parameters: [ns, name], ...item },
  };
  if (def.statusSubresource) {
    const status: Record<string, unknown> = {
      get: {
        operationId: `read${k.kind}Status`,
        'x-kubernetes-group-version-kind': gvk(k),
        responses: { '200': ok(ref(k)), ...errors },
      },
    };
    if (write) {
      status.put = {
        ...(item.put as object),
        operationId: `replace${k.kind}Status`,
        description: 'Replaces status only; the rest of the object stays as stored.',
      };
      status.patch = { ...(item.patch as object), operationId: `patch${k.kind}Status` };
    }
    paths[`${base}/namespaces/{namespace}/${k.plural}/{name}/status`] = { parameters: [ns, name], ...status };
  }
  return paths;
}

function schemaFor(k: KindInfo) {
  const props: Record<string, unknown> = {
    apiVersion: { type: 'string', enum: [k.apiVersion] },
    kind: { type: 'string', enum: [k.kind] },
    metadata: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        generateName: { type: 'string' },
        namespace: { type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        annotations: { type: 'object', additionalProperties: { type: 'string' } },
        resourceVersion: { type: 'string', readOnly: true },
        uid: { type: 'string', readOnly: true },
        generation: { type: 'integer', readOnly: true },
        creationTimestamp: { type: 'string', readOnly: true },
        ownerReferences: { type: 'array', items: { type: 'object' } },
      },
    },
  };
  const own = kindDefinition(k.kind)?.openApiProperties;
  if (own) Object.assign(props, own);
  else {
    props.spec = {
      type: 'object',
      description: `${k.kind} spec; see docs/api.md (Knative serving.knative.dev/v1 shape)`,
    };
    props.status = { type: 'object', readOnly: true, description: 'Written by Kedge reconcilers; ignored on writes' };
  }
  return { type: 'object', required: ['apiVersion', 'kind', 'metadata'], properties: props };
}

const KEDGE_PATHS = {
  '/apis/kedge.dev/v1/blobs': {
    put: {
      operationId: 'uploadBlob',
      description: 'Stores a WebAssembly component content-addressed; reference it as image `<file>@sha256:<hex>`.',
      requestBody: {
        required: true,
        content: { 'application/wasm': { schema: { type: 'string', format: 'binary' } } },
      },
      responses: {
        '201': {
          description: 'Stored',
          content: { 'application/json': { schema: { type: 'object', properties: { digest: { type: 'string' } } } } },
        },
        ...errors,
      },
    },
  },
  '/apis/kedge.dev/v1/namespaces/{namespace}/revisions/{name}/scale': {
    post: {
      operationId: 'scaleRevision',
      description:
        'Admin verb: {"to": 0} stops every instance of the revision now (the autoscaler answers once runners confirmed).',
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: { type: 'object', properties: { to: { type: 'integer', enum: [0] } } } },
        },
      },
      responses: { '200': { description: 'Scaled' }, ...errors },
    },
  },
};

/** The OpenAPI 3 document of one group/version (or of everything when `groupVersion` is undefined). */
export function openApiDocument(groupVersion?: string) {
  const kinds = Object.values(KINDS).filter(
    (k) => !groupVersion || k.apiVersion === groupVersion || (groupVersion === 'v1' && !k.group),
  );
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { Status: statusSchema };
  for (const k of kinds) {
    Object.assign(paths, pathsFor(k));
    schemas[k.kind] = schemaFor(k);
  }
  if (!groupVersion) {
    const doc = (operationId: string, description: string) => ({
      get: { operationId, responses: { '200': { description } } },
    });
    Object.assign(paths, KEDGE_PATHS, {
      '/version': doc('getVersion', 'Server version (Kubernetes shape; kubectl reads major/minor)'),
      '/api': doc('getCoreAPIVersions', 'Legacy discovery: APIVersions'),
      '/apis': doc('getAPIGroups', 'Legacy discovery: APIGroupList'),
      '/api/v1': doc('getCoreResources', 'APIResourceList of the core group (configmaps)'),
      '/apis/{group}/{version}': doc('getGroupResources', 'APIResourceList of one group/version'),
      '/openapi.json': doc('getOpenAPI', 'This document'),
      '/openapi/v3': doc('getOpenAPIv3Root', "kubectl's OpenAPI v3 discovery: one hashed URL per group/version"),
    });
  }
  return {
    openapi: '3.0.0',
    info: {
      title: 'Kedge API',
      version: KEDGE_VERSION,
      description: "Knative Serving's API (serving.knative.dev/v1) served by Kedge",
    },
    paths,
    components: { schemas },
  };
}

/** kubectl's OpenAPI v3 discovery root: one hashed URL per group/version. */
export function openApiRoot() {
  const gvs = new Set(Object.values(KINDS).map((k) => (k.group ? `apis/${k.group}/${k.version}` : `api/${k.version}`)));
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of gvs) {
    const doc = openApiDocument(gv.startsWith('api/') ? gv.slice(4) : gv.slice(5));
    const hash = createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 16).toUpperCase();
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths };
}
