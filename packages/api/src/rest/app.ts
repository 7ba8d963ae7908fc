import { Hono, type Context } from 'hono';
import {
  isWasmComponent,
  KEDGE_VERSION,
  KIND_NAMES,
  SYSTEM_NAMESPACE,
  type Clock,
  type Logger,
  type Store,
} from '@kedge/core';
import type { LiveConfig } from '../config/live.js';
import { MAX_BLOB_BYTES, readBody } from './body.js';
import { apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { openApiDocument, openApiRoot } from './openapi.js';
import { createResourceHandler, kindFor, type Target } from './resources.js';
import { ApiError, badRequest, statusResponse } from './status.js';

export interface RestDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  config: LiveConfig;
  /** Filled with a stop function per open watch stream (ended on shutdown). */
  watches?: Set<() => void>;
  /** Read-only views not kept in the Store, by kind (Pod: the live instance table). */
  views?: Partial<Record<string, { handle(req: Request, t: Target): Promise<Response> }>>;
  /** `kedge logs SERVICE`: every instance's output (pods/index.ts). */
  serviceLogs?: (req: Request, namespace: string, service: string) => Promise<Response>;
}

/** Kubernetes-style REST for Knative's kinds, plus version, discovery, OpenAPI and the blob upload. */
export function createRestApp(deps: RestDeps): Hono {
  const app = new Hono();
  const handle = createResourceHandler(deps);
  const log = deps.logger;

  app.onError((err) => {
    if (err instanceof ApiError) return statusResponse(err);
    log.error({ err }, 'api request failed');
    return statusResponse(new ApiError('InternalError', `internal error: ${(err as Error).message ?? String(err)}`));
  });
  app.notFound((c) =>
    statusResponse(
      new ApiError('NotFound', `the server could not find the requested resource: ${c.req.method} ${c.req.path}`),
    ),
  );

  app.get('/version', (c) =>
    c.json({
      major: '1',
      minor: '32',
      gitVersion: `v1.32.0-kedge-${KEDGE_VERSION}`,
      gitCommit: '',
      gitTreeState: 'clean',
      buildDate: '',
      goVersion: `node${process.versions.node}`,
      compiler: 'kedge',
      platform: `${process.platform}/${process.arch}`,
      kedgeVersion: KEDGE_VERSION,
    }),
  );
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', (c) => c.text('ok'));

  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/openapi/v3', (c) => c.json(openApiRoot()));
  app.get('/openapi/v3/api/:version', (c) => c.json(openApiDocument(c.req.param('version'))));
  app.get('/openapi/v3/apis/:group/:version', (c) =>
    c.json(openApiDocument(`${c.req.param('group')}/${c.req.param('version')}`)),
  );

  app.get('/api', (c) => c.json(apiVersions()));
  app.get('/apis', (c) => c.json(apiGroupList()));
  app.get('/api/v1', (c) => c.json(apiResourceList('v1')));
  app.get('/apis/:group/:version', (c) => {
    const list = apiResourceList(`${c.req.param('group')}/${c.req.param('version')}`);
    if (!list) throw new ApiError('NotFound', `the server could not find the requested resource`);
    return c.json(list);
  });

  // Kedge has no Namespace objects: every namespace exists (kubectl apply checks this path), and the
  // list is the namespaces that hold something.
  const namespace = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
    status: { phase: 'Active' },
  });
  app.get('/api/v1/namespaces/:name', (c) => c.json(namespace(c.req.param('name'))));
  app.get('/api/v1/namespaces', async (c) => {
    const names = new Set(['default', SYSTEM_NAMESPACE]);
    let resourceVersion = '0';
    for (const kind of KIND_NAMES) {
      const res = await deps.store.list(kind);
      resourceVersion = res.resourceVersion;
      for (const o of res.items) names.add(o.metadata.namespace);
    }
    return c.json({
      apiVersion: 'v1',
      kind: 'NamespaceList',
      metadata: { resourceVersion },
      items: [...names].sort().map(namespace),
    });
  });

  app.put('/apis/kedge.dev/v1/blobs', async (c) => {
    const bytes = await readBody(c.req.raw, MAX_BLOB_BYTES);
    if (!isWasmComponent(bytes))
      throw badRequest(
        bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d
          ? 'the upload is a core WebAssembly module, not a component: build a wasi:http/proxy component (e.g. with jco or wasm-tools component new)'
          : 'the upload is not a WebAssembly component (missing the \\0asm component header)',
        [{ field: 'body', message: 'not a WebAssembly component' }],
      );
    const digest = await deps.store.blobs.put(bytes);
    return c.json({ digest, size: bytes.length }, 201);
  });

  app.get('/apis/kedge.dev/v1/namespaces/:ns/services/:name/logs', (c) => {
    if (!deps.serviceLogs) throw new ApiError('NotFound', 'logs are not served here');
    return deps.serviceLogs(c.req.raw, c.req.param('ns'), c.req.param('name'));
  });

  const resource = (c: Context, group: string, version: string) => {
    const p = c.req.param() as Record<string, string | undefined>;
    const found = kindFor(group, version, p.plural!);
    if (!found)
      throw new ApiError(
        'NotFound',
        `the server could not find the requested resource (${group ? `${group}/` : ''}${version} ${p.plural})`,
      );
    const [kind, info] = found;
    const t: Target = {
      kind,
      info,
      ...(p.ns ? { namespace: p.ns } : {}),
      ...(p.name ? { name: p.name } : {}),
      ...(p.sub ? { subresource: p.sub } : {}),
    };
    const view = deps.views?.[kind];
    return view ? view.handle(c.req.raw, t) : handle(c.req.raw, t);
  };
  for (const path of [
    '/namespaces/:ns/:plural',
    '/namespaces/:ns/:plural/:name',
    '/namespaces/:ns/:plural/:name/:sub',
    '/:plural',
  ]) {
    app.all(`/apis/:group/:version${path}`, (c) => resource(c, c.req.param('group'), c.req.param('version')));
    app.all(`/api/v1${path}`, (c) => resource(c, '', 'v1'));
  }
  return app;
}
