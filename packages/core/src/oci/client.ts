import { sha256Digest } from '../store/blobs-fs.js';
import { basicAuthorization, parseChallenge, type RegistryCredentials } from './auth.js';
import { RegistryError } from './errors.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { manifestReference, type ImageReference } from './reference.js';

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** The fields Kedge reads of an image manifest or an index (OCI or Docker schema 2). */
export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
}

export interface RegistryClientOptions {
  /**
   * Registries (`host[:port]`) spoken to over plain HTTP besides loopback ones (127.0.0.0/8, ::1,
   * localhost), which always are. Every other registry is HTTPS only.
   */
  insecureRegistries?: readonly string[];
  /** Username/password for a registry: sent as Basic auth, or to its token service for a Bearer token. */
  credentials?: (registry: string) => RegistryCredentials | undefined;
  /** Per request (default 30 s); a blob download gets this much per request too. */
  timeoutMs?: number;
  /** Largest manifest accepted (default 4 MiB, distribution's own limit). */
  maxManifestBytes?: number;
}

type Access = 'pull' | 'pull,push';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Loopback hosts are spoken to over plain HTTP: a registry on this machine needs no certificate. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * A small OCI distribution client (distribution-spec v1.1, the `/v2/` API): resolve a tag to its
 * manifest digest, fetch manifests and blobs verified against their sha256 digests, push blobs
 * (monolithic upload) and manifests. Anonymous access, Basic auth and the Bearer token flow that
 * Docker Hub, GHCR and distribution's token auth use.
 */
export class RegistryClient {
  /** Authorization header per `registry repository access`, learnt from challenges. */
  private readonly auth = new Map<string, string>();
  private readonly timeoutMs: number;

  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  baseUrl(registry: string): string {
    const plain = isLoopbackRegistry(registry) || (this.opts.insecureRegistries ?? []).includes(registry);
    return `${plain ? 'http' : 'https'}://${registry}`;
  }

  /** HEAD of the manifest: its digest, media type and size, without downloading it (Knative's resolution). */
  async resolve(ref: ImageReference): Promise<Descriptor> {
    const res = await this.send(ref, 'pull', 'HEAD', `manifests/${manifestReference(ref)}`, {
      headers: { accept: MANIFEST_ACCEPT },
    });
    await expectOk(res, ref, 'manifest');
    const header = res.headers.get('docker-content-digest');
    const type = res.headers.get('content-type')?.split(';')[0]?.trim();
    const size = Number(res.headers.get('content-length') ?? NaN);
    if (ref.digest && header && header !== ref.digest)
      throw new RegistryError(
        'ImageInvalid',
        `${show(ref)}: the registry answered for ${header}, not the digest asked for`,
      );
    const digest = ref.digest ?? header;
    // A registry that sends no digest on HEAD (the spec lets it) is asked for the manifest itself.
    if (!digest || !type || !Number.isFinite(size)) return (await this.manifest(ref)).descriptor;
    return { mediaType: type, digest, size };
  }

  /** The manifest (or index), checked against the digest the reference pins and the one the registry states. */
  async manifest(ref: ImageReference): Promise<{ descriptor: Descriptor; manifest: Manifest; bytes: Uint8Array }> {
    const res = await this.send(ref, 'pull', 'GET', `manifests/${manifestReference(ref)}`, {
      headers: { accept: MANIFEST_ACCEPT },
    });
    await expectOk(res, ref, 'manifest');
    const max = this.opts.maxManifestBytes ?? MAX_MANIFEST_BYTES;
    const bytes = await readBody(res, max, ref, 'manifest');
    const digest = sha256Digest(bytes);
    for (const [want, who] of [
      [ref.digest, 'the reference'],
      [res.headers.get('docker-content-digest'), 'the registry'],
    ] as const)
      if (want?.startsWith('sha256:') && want !== digest)
        throw new RegistryError(
          'ImageInvalid',
          `${show(ref)}: the manifest's sha256 is ${digest}, ${who} says ${want}`,
        );
    let manifest: Manifest;
    try {
      manifest = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
    } catch {
      throw new RegistryError('ImageInvalid', `${show(ref)}: the manifest is not JSON`);
    }
    if (manifest?.schemaVersion !== 2)
      throw new RegistryError(
        'ImageInvalid',
        `${show(ref)}: manifest schemaVersion ${manifest?.schemaVersion} (only 2 is supported)`,
      );
    const mediaType = manifest.mediaType ?? res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    return { descriptor: { mediaType, digest, size: bytes.length }, manifest, bytes };
  }

  /** A blob, read up to `maxBytes` and checked against its digest (and size, when the descriptor has one). */
  async blob(ref: ImageReference, desc: { digest: string; size?: number }, maxBytes: number): Promise<Uint8Array> {
    if (!/^sha256:[0-9a-f]{64}$/.test(desc.digest))
      throw new RegistryError('ImageInvalid', `${show(ref)}: blob digest "${desc.digest}" is not sha256:<hex>`);
    if (desc.size !== undefined && desc.size > maxBytes)
      throw new RegistryError(
        'ImageInvalid',
        `${show(ref)}: blob ${desc.digest} is ${desc.size} bytes, more than the ${maxBytes} allowed`,
      );
    const res = await this.send(ref, 'pull', 'GET', `blobs/${desc.digest}`, {});
    await expectOk(res, ref, `blob ${desc.digest}`);
    const bytes = await readBody(res, maxBytes, ref, `blob ${desc.digest}`);
    const got = sha256Digest(bytes);
    if (got !== desc.digest)
      throw new RegistryError('ImageInvalid', `${show(ref)}: blob ${desc.digest} arrived with sha256 ${got}`);
    if (desc.size !== undefined && bytes.length !== desc.size)
      throw new RegistryError(
        'ImageInvalid',
        `${show(ref)}: blob ${desc.digest} is ${bytes.length} bytes, the manifest says ${desc.size}`,
      );
    return bytes;
  }

  /** Uploads a blob in one request (POST then PUT with the digest); a blob the registry has is not sent again. */
  async pushBlob(ref: ImageReference, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
    const digest = sha256Digest(bytes);
    const head = await this.send(ref, 'pull,push', 'HEAD', `blobs/${digest}`, {});
    if (head.ok) return { digest, size: bytes.length };
    if (head.status !== 404) await expectOk(head, ref, `blob ${digest}`);
    const start = await this.send(ref, 'pull,push', 'POST', 'blobs/uploads/', {});
    if (start.status !== 202) await failure(start, ref, 'blob upload');
    const location = start.headers.get('location');
    if (!location)
      throw new RegistryError('RegistryError', `${show(ref)}: the registry started an upload without a Location`);
    const url = new URL(location, `${this.baseUrl(ref.registry)}/`);
    url.searchParams.set('digest', digest);
    const put = await this.send(ref, 'pull,push', 'PUT', url, {
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) await failure(put, ref, `blob ${digest}`);
    await put.body?.cancel();
    return { digest, size: bytes.length };
  }

  /** Stores a manifest under the reference's tag (or digest); returns its digest, checked against the registry's. */
  async pushManifest(ref: ImageReference, bytes: Uint8Array, mediaType: string): Promise<string> {
    const digest = sha256Digest(bytes);
    const res = await this.send(ref, 'pull,push', 'PUT', `manifests/${ref.tag ?? digest}`, {
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201) await failure(res, ref, 'manifest');
    await res.body?.cancel();
    const stated = res.headers.get('docker-content-digest');
    if (stated && stated !== digest)
      throw new RegistryError(
        'ImageInvalid',
        `${show(ref)}: the registry stored the manifest as ${stated}, its sha256 is ${digest}`,
      );
    return digest;
  }

  /** One request; a 401 is answered once with credentials or a token for the challenge, then retried. */
  private async send(
    ref: ImageReference,
    access: Access,
    method: string,
    path: string | URL,
    init: { headers?: Record<string, string>; body?: Uint8Array },
  ): Promise<Response> {
    const url =
      typeof path === 'string' ? `${this.baseUrl(ref.registry)}/v2/${ref.repository}/${path}` : path.toString();
    const key = `${ref.registry} ${ref.repository} ${access}`;
    let res = await this.fetch(ref, url, method, init, this.auth.get(key));
    if (res.status !== 401) return res;
    const challenge = parseChallenge(res.headers.get('www-authenticate'));
    await res.body?.cancel();
    const authorization = await this.authorize(ref, access, challenge);
    if (!authorization) return res;
    this.auth.set(key, authorization);
    res = await this.fetch(ref, url, method, init, authorization);
    return res;
  }

  private async fetch(
    ref: ImageReference,
    url: string,
    method: string,
    init: { headers?: Record<string, string>; body?: Uint8Array },
    authorization?: string,
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (authorization) headers.authorization = authorization;
    try {
      return await fetch(url, {
        method,
        headers,
        ...(init.body ? { body: init.body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new RegistryError(
        'RegistryUnreachable',
        `registry ${ref.registry} is unreachable (${method} ${url}: ${why})`,
      );
    }
  }

  /** The Authorization for a challenge: Basic with the credentials, or a Bearer token from the realm. */
  private async authorize(
    ref: ImageReference,
    access: Access,
    challenge: ReturnType<typeof parseChallenge>,
  ): Promise<string | undefined> {
    const creds = this.opts.credentials?.(ref.registry);
    if (challenge?.scheme === 'basic') return creds ? basicAuthorization(creds) : undefined;
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return undefined;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new RegistryError(
        'RegistryError',
        `registry ${ref.registry}: token realm "${challenge.params.realm}" is not a URL`,
      );
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.set('scope', `repository:${ref.repository}:${access}`);
    const headers: Record<string, string> = creds ? { authorization: basicAuthorization(creds) } : {};
    let res: Response;
    try {
      res = await fetch(realm, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new RegistryError(
        'RegistryUnreachable',
        `registry ${ref.registry}: its token service ${realm.origin} is unreachable (${(err as Error).message})`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError(
        'RegistryUnauthorized',
        `registry ${ref.registry}: its token service refused ${creds ? `user ${creds.username}` : 'anonymous access'} (HTTP ${res.status})`,
      );
    }
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }
}

function show(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}:${manifestReference(ref)}`.replace(/:sha256:/, '@sha256:');
}

async function expectOk(res: Response, ref: ImageReference, what: string): Promise<void> {
  if (res.ok) return;
  await failure(res, ref, what);
}

/** Turns a failed answer into a RegistryError saying what to do. */
async function failure(res: Response, ref: ImageReference, what: string): Promise<never> {
  const text = res.body ? (await res.text().catch(() => '')).slice(0, 300) : '';
  const detail = registryMessage(text);
  const where = `${show(ref)}: ${what}`;
  if (res.status === 404)
    throw new RegistryError(
      'ImageNotFound',
      `${where} not found in registry ${ref.registry}${detail}; check the repository and tag, or ` +
        `push it (\`kedge push FILE.wasm ${ref.registry}/${ref.repository}:TAG\`)`,
    );
  if (res.status === 401 || res.status === 403)
    throw new RegistryError(
      'RegistryUnauthorized',
      `${where}: registry ${ref.registry} refused access (HTTP ${res.status})${detail}; give Kedge credentials for it`,
    );
  if (res.status >= 500)
    throw new RegistryError(
      'RegistryUnreachable',
      `${where}: registry ${ref.registry} failed (HTTP ${res.status})${detail}; try again later`,
    );
  throw new RegistryError('RegistryError', `${where}: registry ${ref.registry} answered HTTP ${res.status}${detail}`);
}

/** distribution's `{"errors":[{"code","message"}]}`, shortened for a condition message. */
function registryMessage(text: string): string {
  try {
    const e = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    if (e) return ` (${[e.code, e.message].filter(Boolean).join(': ')})`;
  } catch {
    // not JSON: nothing worth quoting
  }
  return '';
}

/** Reads a body, refusing more than `max` bytes (a Content-Length above it is refused before reading). */
async function readBody(res: Response, max: number, ref: ImageReference, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw new RegistryError('ImageInvalid', `${show(ref)}: ${what} is ${declared} bytes, more than the ${max} allowed`);
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw new RegistryError(
        'RegistryUnreachable',
        `${show(ref)}: reading the ${what} failed (${(err as Error).message})`,
      );
    }
    if (chunk.done) break;
    size += chunk.value.length;
    if (size > max) {
      await reader.cancel();
      throw new RegistryError('ImageInvalid', `${show(ref)}: ${what} is more than the ${max} bytes allowed`);
    }
    parts.push(chunk.value);
  }
  return new Uint8Array(Buffer.concat(parts));
}
