import { lookupKind, type AnyResource, type KindInfo } from '@kedge/core';
import { clientToken } from './token.js';

/** A Kubernetes Status body as the API returns it on errors. */
export interface StatusBody {
  kind: 'Status';
  status: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { field?: string; message?: string }[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StatusBody | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** Path of a kind's collection (or one object) in the Kubernetes-style REST API. */
export function resourcePath(info: KindInfo, namespace?: string, name?: string): string {
  const root = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${info.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

function kindInfo(kind: string): KindInfo {
  const info = lookupKind(kind);
  if (!info) throw new Error(`unknown kind "${kind}"`);
  return info;
}

/** The texts of Kubernetes `Warning: 299 - "…"` response headers (several may share one header, comma-separated). */
export function parseWarnings(header: string | null): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const m of header.matchAll(/\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)) {
    try {
      out.push(JSON.parse(`"${m[1]}"`) as string);
    } catch {
      out.push(m[1]!);
    }
  }
  return out;
}

export interface ClientOptions {
  /** Sent as `Authorization: Bearer …` (writes need it; see token.ts for where the CLI finds it). */
  token?: string;
  /** Called with each warning the API sends (kubectl prints them as `Warning: …`). */
  onWarning?: (text: string) => void;
}

/** The CLI's API client: thin over fetch, errors carry the server's Status message. */
export function createClient(apiUrl: string, opts: ClientOptions = {}) {
  const base = apiUrl.replace(/\/+$/, '');
  const auth: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};

  async function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? auth : { ...auth, 'content-type': contentType },
        ...(body === undefined
          ? {}
          : { body: body instanceof Uint8Array ? body : typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new Error(`cannot reach the Kedge API at ${base} (${cause}); is \`kedge up\` running? (--api / KEDGE_API)`);
    }
    for (const w of parseWarnings(res.headers.get('warning'))) opts.onWarning?.(w);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Something answered that is not the Kedge API (a proxy, the gateway's port): never a success.
      if (res.ok)
        throw new ApiError(
          res.status,
          undefined,
          `${base} answered HTTP ${res.status} with a body that is not JSON: is --api the Kedge API?`,
        );
      parsed = undefined;
    }
    if (!res.ok) {
      const status = parsed && (parsed as StatusBody).kind === 'Status' ? (parsed as StatusBody) : undefined;
      const causes = status?.details?.causes?.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)) ?? [];
      const msg = status?.message ?? (text || `HTTP ${res.status} ${res.statusText}`);
      const extra = causes.filter((c) => c && !msg.includes(c));
      throw new ApiError(res.status, status, [msg, ...extra].join('\n'));
    }
    return parsed as T;
  }

  return {
    base,
    get: <T extends AnyResource>(kind: string, namespace: string, name: string) =>
      call<T>('GET', resourcePath(kindInfo(kind), namespace, name)),
    list: <T extends AnyResource>(kind: string, namespace?: string, labelSelector?: string) =>
      call<ListResult<T>>(
        'GET',
        resourcePath(kindInfo(kind), namespace) +
          (labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : ''),
      ),
    create: <T extends AnyResource>(obj: T, opts: { dryRun?: boolean } = {}) =>
      call<T>(
        'POST',
        resourcePath(kindInfo(obj.kind), obj.metadata.namespace) + (opts.dryRun ? '?dryRun=All' : ''),
        obj,
      ),
    update: <T extends AnyResource>(obj: T, opts: { dryRun?: boolean } = {}) =>
      call<T>(
        'PUT',
        resourcePath(kindInfo(obj.kind), obj.metadata.namespace, obj.metadata.name) +
          (opts.dryRun ? '?dryRun=All' : ''),
        obj,
      ),
    patch: <T extends AnyResource>(kind: string, namespace: string, name: string, patch: unknown) =>
      call<T>('PATCH', resourcePath(kindInfo(kind), namespace, name), patch, 'application/merge-patch+json'),
    delete: (kind: string, namespace: string, name: string) =>
      call<unknown>('DELETE', resourcePath(kindInfo(kind), namespace, name)),
    uploadBlob: (bytes: Uint8Array) =>
      call<{ digest: string }>('PUT', '/apis/kedge.dev/v1/blobs', bytes, 'application/wasm'),
    raw: call,
  };
}

export type Client = ReturnType<typeof createClient>;

/** The global flags every command sees (bin.ts). */
export interface GlobalFlags {
  api: string;
  token?: string;
  tokenFile?: string;
}

/** The client for the global flags; warnings go to stderr as kubectl prints them. */
export function connect(flags: GlobalFlags): Client {
  const token = clientToken(flags);
  return createClient(flags.api, {
    ...(token ? { token } : {}),
    onWarning: (w) => process.stderr.write(`Warning: ${w}\n`),
  });
}

/** kubectl's record of what it applied last; its next apply computes its three-way merge from it. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Go's encoding/json of a map: keys sorted, no spaces, HTML characters escaped. */
function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (x === null || typeof x !== 'object') return x;
    const o = x as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sorted(o[k])]),
    );
  };
  return JSON.stringify(sorted(v)).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The manifest as kubectl's client-side apply stores it in {@link LAST_APPLIED} (the object without
 * that annotation, encoded by Go, with a newline; checked against kubectl 1.3x), so kedge and kubectl leave the same annotation and
 * either can apply after the other without a change.
 */
export function withLastApplied<T extends AnyResource>(obj: T): T {
  const copy = structuredClone(obj);
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  // kubectl keeps the emptied annotations map in its record (`"annotations":{}`).
  const record = structuredClone(copy);
  record.metadata.annotations = annotations;
  copy.metadata.annotations = { ...annotations, [LAST_APPLIED]: `${goJson(record)}\n` };
  return copy;
}

/**
 * kubectl apply's outcome without its three-way merge: create, or replace what is stored, keeping
 * kubectl's last-applied record. The API keeps the resourceVersion when a write changes nothing,
 * which is how "unchanged" is told apart.
 */
export async function applyObject(
  client: Client,
  manifest: AnyResource,
): Promise<'created' | 'configured' | 'unchanged'> {
  const obj = withLastApplied(manifest);
  let existing: AnyResource | undefined;
  try {
    existing = await client.get(obj.kind, obj.metadata.namespace, obj.metadata.name);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  if (!existing) {
    const created = await client.create(obj);
    if (!created?.metadata)
      throw new Error(`the API answered the create of ${obj.kind} ${obj.metadata.name} without the stored object`);
    return 'created';
  }
  const rv = existing.metadata.resourceVersion;
  const stored = await client.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: rv } } as AnyResource);
  if (!stored?.metadata)
    throw new Error(`the API answered the update of ${obj.kind} ${obj.metadata.name} without the stored object`);
  return stored.metadata.resourceVersion === rv ? 'unchanged' : 'configured';
}
