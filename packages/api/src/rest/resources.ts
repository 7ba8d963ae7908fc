import { randomBytes } from 'node:crypto';
import {
  KINDS,
  kindDefinition,
  StoreError,
  type AnyResource,
  type Clock,
  type Kind,
  type KindInfo,
  type Logger,
  type Store,
} from '@kedge/core';
import type { LiveConfig } from '../config/live.js';
import { deleteCascading } from '../cascade.js';
import { admit, fieldValidationOf, isNamespaceName, isObjectName } from './admit.js';
import { MAX_BODY_BYTES, parseJson, parseObject, readBody } from './body.js';
import { jsonPatch, mergePatch, stripDirectives } from './patch.js';
import { ApiError, badRequest, fromStoreError, notFound } from './status.js';
import { wantsTable, tableFor } from './table.js';
import { watchResponse } from './watch.js';

export interface ResourceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  config: LiveConfig;
  /** Stops of the watch streams now open. */
  watches?: Set<() => void>;
}

/**
 * Fields a fieldSelector may name: every kind's name and namespace, the ones kubectl describe asks
 * Events by, and a Pod's node and phase.
 */
const SELECTABLE_FIELDS = new Set([
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.name',
  'involvedObject.namespace',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'type',
  'source',
  'spec.nodeName',
  'status.phase',
]);

/** Tries of a patch without a resourceVersion before its Conflict reaches the client. */
const PATCH_ATTEMPTS = 30;

/**
 * Names in the URL are checked before any Store sees them: a key the Store cannot hold (`../x`,
 * `hé`) is the client's mistake (400), on every Store, for every verb.
 */
function checkUrlNames(t: Target): void {
  if (t.namespace !== undefined && !isNamespaceName(t.namespace))
    throw badRequest(
      `invalid namespace "${t.namespace}": must be a DNS-1123 label (lower case alphanumerics and '-', at most 63)`,
      [{ field: 'metadata.namespace', message: 'must be a DNS-1123 label' }],
    );
  if (t.name !== undefined && !isObjectName(t.name))
    throw badRequest(
      `invalid name "${t.name}": must be a DNS-1123 subdomain (lower case alphanumerics, '-' and '.', at most 253)`,
      [{ field: 'metadata.name', message: 'must be a DNS-1123 subdomain' }],
    );
}

export function kindFor(group: string, version: string, plural: string): [Kind, KindInfo] | undefined {
  for (const [k, info] of Object.entries(KINDS) as [Kind, KindInfo][])
    if (info.group === group && info.version === version && info.plural === plural) return [k, info];
  return undefined;
}

export interface Target {
  kind: Kind;
  info: KindInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function unchanged(old: AnyResource, next: AnyResource): boolean {
  const strip = (o: AnyResource) => {
    const { resourceVersion: _rv, generation: _g, uid: _u, creationTimestamp: _c, ...meta } = o.metadata;
    return JSON.stringify(sortKeys({ ...o, metadata: meta }));
  };
  return strip(old) === strip(next);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v as object)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** The one handler behind every resource URL: the same verbs and semantics for every kind. */
export function createResourceHandler(deps: ResourceDeps) {
  const { store, clock } = deps;
  const suffix = () =>
    randomBytes(4)
      .toString('hex')
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 5)
      .padEnd(5, 'x');

  function fieldSelector(q: string | undefined): (o: AnyResource) => boolean {
    if (!q) return () => true;
    const terms = q
      .split(',')
      .filter(Boolean)
      .map((t) => {
        const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(t);
        if (!m) throw badRequest(`invalid field selector "${t}"`);
        const field = m[1]!.trim();
        if (!SELECTABLE_FIELDS.has(field))
          throw badRequest(`field selector "${field}" is not supported (only ${[...SELECTABLE_FIELDS].join(', ')})`);
        return { field, neg: m[2] === '!=', value: m[3]!.trim() };
      });
    return (o) =>
      terms.every((t) => {
        // A field the object does not have reads as "", as the apiserver's field sets do.
        let v: unknown = o;
        for (const part of t.field.split('.'))
          v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
        const text = v === undefined || v === null ? '' : String(v);
        return t.neg ? text !== t.value : text === t.value;
      });
  }

  function withStoreErrors<T>(t: Target, name: string, p: Promise<T>): Promise<T> {
    return p.catch((err: unknown) => {
      if (err instanceof StoreError) throw fromStoreError(err, t.info, name);
      throw err;
    });
  }

  async function list(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    const match = fieldSelector(q.get('fieldSelector') ?? undefined);
    const labelSelector = q.get('labelSelector') ?? undefined;
    if (q.get('watch') === 'true' || q.get('watch') === '1') {
      const rv = q.get('resourceVersion');
      if (rv && !/^\d+$/.test(rv))
        throw badRequest(`resourceVersion: "${rv}" is not a resourceVersion this API gave out (a number)`);
      const table = wantsTable(req);
      const timeout = Number(q.get('timeoutSeconds') ?? 0);
      return watchResponse(store, clock, {
        kind: t.kind,
        ...(t.namespace ? { namespace: t.namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
        match,
        ...(q.get('resourceVersion') ? { resourceVersion: q.get('resourceVersion')! } : {}),
        ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutSeconds: timeout } : {}),
        ...(deps.watches ? { open: deps.watches } : {}),
        render: (o) => (table ? tableFor(t.info, [o], '', q.get('includeObject')) : o),
      });
    }
    const res = await store.list(t.kind, {
      ...(t.namespace ? { namespace: t.namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
    });
    const items = res.items.filter(match);
    if (wantsTable(req)) return json(tableFor(t.info, items, res.resourceVersion, q.get('includeObject')));
    return json({
      apiVersion: t.info.apiVersion,
      kind: `${t.info.kind}List`,
      metadata: { resourceVersion: res.resourceVersion },
      items,
    });
  }

  async function get(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    const obj = await store.get(t.kind, t.namespace!, t.name!);
    if (!obj) throw notFound(t.info, t.name!);
    if (wantsTable(req))
      return json(tableFor(t.info, [obj], obj.metadata.resourceVersion ?? '', q.get('includeObject')));
    return json(obj);
  }

  function requireWritable(t: Target): void {
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

  const dryRunOf = (q: URLSearchParams): boolean => {
    const d = q.getAll('dryRun');
    for (const v of d) if (v !== 'All') throw badRequest(`dryRun must be "All", got "${v}"`);
    return d.length > 0;
  };

  function warningHeaders(warnings: string[]): Record<string, string> {
    return warnings.length ? { warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } : {};
  }

  async function create(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    if (t.subresource) throw new ApiError('MethodNotAllowed', `POST is not allowed on a ${t.subresource} subresource`);
    const dryRun = dryRunOf(q);
    const raw = parseObject(await readBody(req, MAX_BODY_BYTES), req.headers.get('content-type'));
    const { object, warnings } = admit(raw, {
      info: t.info,
      namespace: t.namespace!,
      config: deps.config.current,
      fieldValidation: fieldValidationOf(q.get('fieldValidation') ?? undefined),
      suffix,
    });
    const name = object.metadata.name;
    if (dryRun) {
      if (await store.get(t.kind, t.namespace!, name))
        throw fromStoreError(new StoreError('AlreadyExists', ''), t.info, name);
      return json(object, 201, warningHeaders(warnings));
    }
    const stored = await withStoreErrors(t, name, store.create(object));
    return json(stored, 201, warningHeaders(warnings));
  }

  /** Shared by PUT and PATCH: admit `raw` as an update of `old`, then store with CAS. */
  async function replaceWith(
    t: Target,
    raw: Record<string, unknown>,
    old: AnyResource,
    q: URLSearchParams,
    dryRun: boolean,
  ) {
    if (t.subresource === 'status') {
      // Status writes keep everything else as stored.
      const next = { ...structuredClone(old), status: raw.status } as AnyResource;
      const rv = (raw.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
      next.metadata.resourceVersion = rv ?? old.metadata.resourceVersion;
      return {
        object: next,
        warnings: [] as string[],
        stored: dryRun ? next : await withStoreErrors(t, t.name!, store.update(next)),
      };
    }
    const { object, warnings } = admit(raw, {
      info: t.info,
      namespace: t.namespace!,
      name: t.name!,
      old,
      config: deps.config.current,
      fieldValidation: fieldValidationOf(q.get('fieldValidation') ?? undefined),
      suffix,
    });
    const rv = object.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion)
      throw fromStoreError(new StoreError('Conflict', ''), t.info, t.name!);
    // A write that changes nothing keeps the resourceVersion (kubectl re-applies; watchers see no event).
    if (dryRun || unchanged(old, object)) return { object, warnings, stored: dryRun ? object : old };
    return { object, warnings, stored: await withStoreErrors(t, t.name!, store.update(object)) };
  }

  async function replace(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    const dryRun = dryRunOf(q);
    const raw = parseObject(await readBody(req, MAX_BODY_BYTES), req.headers.get('content-type'));
    const rv = (raw.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (typeof rv !== 'string' || !rv)
      throw new ApiError(
        'Invalid',
        `${t.info.kind} "${t.name}" is invalid: metadata.resourceVersion: must be specified for an update`,
        {
          name: t.name!,
          group: t.info.group,
          kind: t.info.kind,
          causes: [
            {
              field: 'metadata.resourceVersion',
              message: 'must be specified for an update',
              reason: 'FieldValueInvalid',
            },
          ],
        },
      );
    const old = await store.get(t.kind, t.namespace!, t.name!);
    if (!old) throw notFound(t.info, t.name!);
    const { stored, warnings } = await replaceWith(t, raw, old, q, dryRun);
    return json(stored, 200, warningHeaders(warnings));
  }

  async function patch(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    const dryRun = dryRunOf(q);
    const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const body = await readBody(req, MAX_BODY_BYTES);
    let apply: (live: unknown) => unknown;
    if (type === 'application/merge-patch+json' || type === 'application/json' || type === '') {
      const p = parseJson(body);
      if (p === null || typeof p !== 'object' || Array.isArray(p))
        throw badRequest('a merge patch must be a JSON object');
      apply = (live) => mergePatch(live, p);
    } else if (type === 'application/json-patch+json') {
      const p = parseJson(body);
      apply = (live) => jsonPatch(live, p);
    } else if (type === 'application/strategic-merge-patch+json' && kindDefinition(t.kind)?.strategicMergePatch) {
      const p = stripDirectives(parseJson(body));
      apply = (live) => mergePatch(live, p);
    } else {
      throw new ApiError(
        'UnsupportedMediaType',
        `the patch type ${type || '(none)'} is not supported by ${t.info.apiVersion}, Kind=${t.info.kind}: use application/merge-patch+json or application/json-patch+json`,
      );
    }
    // A patch without a resourceVersion is last-writer-wins: retry when someone wrote in between, as
    // the apiserver's GuaranteedUpdate does, with a jittered pause so concurrent patchers spread out.
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 50)));
      const old = await store.get(t.kind, t.namespace!, t.name!);
      if (!old) throw notFound(t.info, t.name!);
      const patched = apply(structuredClone(old));
      if (patched === null || typeof patched !== 'object' || Array.isArray(patched))
        throw badRequest('the patched object is not an object');
      const pinned =
        (patched as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion !==
        old.metadata.resourceVersion;
      try {
        const { stored, warnings } = await replaceWith(t, patched as Record<string, unknown>, old, q, dryRun);
        return json(stored, 200, warningHeaders(warnings));
      } catch (err) {
        if (!(err instanceof ApiError && err.reason === 'Conflict') || pinned || attempt >= PATCH_ATTEMPTS - 1)
          throw err;
      }
    }
  }

  async function remove(req: Request, t: Target, q: URLSearchParams): Promise<Response> {
    requireWritable(t);
    const dryRun = dryRunOf(q);
    const bytes = await readBody(req, MAX_BODY_BYTES);
    let opts: { propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } } = {};
    if (new TextDecoder().decode(bytes).trim())
      opts = parseObject(bytes, req.headers.get('content-type')) as typeof opts;
    const policy = opts.propagationPolicy ?? q.get('propagationPolicy') ?? 'Background';
    if (!['Background', 'Foreground', 'Orphan'].includes(policy))
      throw badRequest(`propagationPolicy must be Background, Foreground or Orphan, got "${policy}"`);
    const obj = await store.get(t.kind, t.namespace!, t.name!);
    if (!obj) throw notFound(t.info, t.name!);
    const pre = opts.preconditions ?? {};
    if (
      (pre.uid && pre.uid !== obj.metadata.uid) ||
      (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
    )
      throw new ApiError(
        'Conflict',
        `Operation cannot be fulfilled on ${t.info.plural}.${t.info.group} "${t.name}": the precondition (uid/resourceVersion) does not match the stored object`,
        { name: t.name!, group: t.info.group, kind: t.info.plural },
      );
    if (dryRun) return json(obj);
    if (policy === 'Orphan') {
      const gone = await withStoreErrors(
        t,
        t.name!,
        store.delete(t.kind, t.namespace!, t.name!, { resourceVersion: obj.metadata.resourceVersion! }),
      );
      return json(gone ?? obj);
    }
    const gone = await withStoreErrors(t, t.name!, deleteCascading(store, obj));
    return json(gone[0] ?? obj);
  }

  return async function handle(req: Request, t: Target): Promise<Response> {
    checkUrlNames(t);
    const q = new URL(req.url).searchParams;
    const hasName = t.name !== undefined;
    if (t.subresource && t.subresource !== 'status')
      throw new ApiError('NotFound', `unknown subresource "${t.subresource}"`);
    switch (req.method) {
      case 'GET':
        if (!hasName) return list(req, t, q);
        return get(req, t, q);
      case 'POST':
        if (hasName || !t.namespace) break;
        return create(req, t, q);
      case 'PUT':
        if (!hasName) break;
        return replace(req, t, q);
      case 'PATCH':
        if (!hasName) break;
        return patch(req, t, q);
      case 'DELETE':
        if (!hasName) break;
        return remove(req, t, q);
    }
    throw new ApiError('MethodNotAllowed', `${req.method} is not allowed on ${new URL(req.url).pathname}`);
  };
}
