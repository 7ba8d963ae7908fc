import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { KIND_DEFINITIONS, type KindDefinition } from '@kedge/core';
import { isDashboardAsset } from '../dashboard/routes.js';
import { ApiError, statusResponse } from './status.js';

/**
 * Who may talk to the API. Kubernetes' answer for a single-user cluster, bearer tokens, plus the
 * browser defences a loopback service needs because any web page can send requests to 127.0.0.1:
 * a Host that is not ours (DNS rebinding) and an Origin that is not ours (a cross-site request)
 * are refused before anything else, and a write in a content type an HTML form can send is refused
 * even with a token.
 */
export interface AccessOptions {
  /** The bearer token every write carries (`Authorization: Bearer <token>`). */
  token: string;
  /**
   * Host names (no port) besides IP literals and `localhost` that name this API. IP literals are
   * always accepted: DNS rebinding needs a name, and a page served from an IP is that IP's origin.
   */
  hosts?: string[];
  /** Reads without the token too (set when the API listens on a non-loopback address). */
  authenticateReads?: boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/** URL paths of the kinds that hold credentials (Secrets): reading them needs the token too. */
const SENSITIVE_PATHS = (KIND_DEFINITIONS as readonly KindDefinition[])
  .filter((d) => d.sensitive)
  .map((d) => {
    const base = d.info.group ? `/apis/${d.info.group}/${d.info.version}` : `/api/${d.info.version}`;
    return new RegExp(`^${base.replaceAll('.', '\\.')}/(namespaces/[^/]+/)?${d.info.plural}(/|$)`);
  });

function isSensitive(path: string): boolean {
  // The router decodes %-escapes before matching (`secret%73` is `secrets`), so decode here too.
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path;
  }
  const collapsed = decoded.replace(/\/{2,}/g, '/');
  return SENSITIVE_PATHS.some((re) => re.test(path) || re.test(collapsed));
}

/**
 * What kubectl and kedge send. `text/plain`, `application/x-www-form-urlencoded` and
 * `multipart/form-data` are the types a browser sends cross-site without a preflight: never accepted.
 */
export const WRITE_CONTENT_TYPES = new Set([
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
]);
/** The component upload (PUT /apis/kedge.dev/v1/blobs). */
const BLOB_CONTENT_TYPES = new Set(['application/wasm', 'application/octet-stream']);
const BLOB_PATH = '/apis/kedge.dev/v1/blobs';

function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return undefined;
  }
}

function tokenMatches(header: string | null, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function forbidden(message: string): ApiError {
  return new ApiError('Forbidden', message);
}

/** Why `req` may not proceed, or undefined when it may. */
export function checkAccess(req: Request, opts: AccessOptions): ApiError | undefined {
  const url = new URL(req.url);
  const host = req.headers.get('host') ?? url.host;
  const hostname = hostnameOf(host);
  const ownNames = new Set(['localhost', ...(opts.hosts ?? []).map((h) => h.toLowerCase())]);
  if (!hostname || !(isIP(hostname) || ownNames.has(hostname)))
    return new ApiError(
      'MisdirectedRequest',
      `Host "${host}" does not name this API: use an IP address, localhost${opts.hosts?.length ? ` or ${opts.hosts.join(', ')}` : ''}`,
    );
  const origin = req.headers.get('origin');
  // Browsers send Origin on cross-origin requests; kubectl and kedge never do. Same-origin is http(s)://<Host>.
  if (origin !== null && origin !== `http://${host}` && origin !== `https://${host}`)
    return forbidden(`cross-origin request refused: Origin "${origin}" is not this API (${host})`);

  const read = READ_METHODS.has(req.method);
  // The dashboard's page carries no data and a browser cannot add a header to a navigation: it is
  // served without the token, then sends the token the user gives it on every request for data.
  if (read && isDashboardAsset(url.pathname)) return undefined;
  const sensitive = read && isSensitive(url.pathname);
  if ((!read || opts.authenticateReads || sensitive) && !tokenMatches(req.headers.get('authorization'), opts.token))
    return new ApiError(
      'Unauthorized',
      req.headers.get('authorization')
        ? "Unauthorized: the bearer token is not this API's"
        : `Unauthorized: ${sensitive ? 'reading Secrets needs' : 'writes need'} the API token (Authorization: Bearer <token>); ` +
            '`kedge` reads it from the data directory, kubectl from `kedge config kubeconfig`',
    );
  if (read) return undefined;

  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  // HTTP/1.1 framing says whether there is a body; a bodyless DELETE (kedge delete) needs no type.
  const length = Number(req.headers.get('content-length') ?? 0);
  const hasBody = length > 0 || req.headers.has('transfer-encoding') || (req.method !== 'DELETE' && req.body !== null);
  if (!hasBody && type === '') return undefined;
  const allowed = req.method === 'PUT' && url.pathname === BLOB_PATH ? BLOB_CONTENT_TYPES : WRITE_CONTENT_TYPES;
  if (!allowed.has(type))
    return new ApiError(
      'UnsupportedMediaType',
      `Content-Type "${type || '(none)'}" is not accepted for a write: use ${[...allowed].join(', ')}`,
    );
  return undefined;
}

/** Wraps a fetch handler so every request passes checkAccess first. */
export function guardFetch(
  opts: AccessOptions,
  next: (req: Request) => Promise<Response> | Response,
): (req: Request) => Promise<Response> {
  return async (req) => {
    const refused = checkAccess(req, opts);
    if (refused)
      return statusResponse(
        refused,
        refused.reason === 'Unauthorized' ? { 'www-authenticate': 'Bearer realm="kedge"' } : undefined,
      );
    return next(req);
  };
}
