/**
 * An image reference that names a registry: `host[:port]/repository[:tag][@sha256:<hex>]`. Kedge resolves
 * only these (Knative's tag-to-digest resolution). A first path component counts as a registry host
 * when it has a `.` or a `:port` (`gcr.io/…`, `127.0.0.1:5000/…`, `localhost:5000/…`), as in
 * distribution/reference — except that a bare `localhost/…` stays a local image name (podman names
 * images it built or imported that way), and names with no host (`node:20`) are never sent to Docker
 * Hub: they too are local image names.
 */
export interface ImageReference {
  /** host[:port] as written. */
  registry: string;
  repository: string;
  tag?: string;
  /** `sha256:<hex>` when the reference pins one. */
  digest?: string;
}

const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/** The reference's parts when it names a registry host, else undefined (a local name, a `.wasm` path, …). */
export function parseImageReference(image: string): ImageReference | undefined {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const registry = rest.slice(0, slash);
  if (!HOST.test(registry) || !(registry.includes('.') || registry.includes(':'))) return undefined;
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (!path?.split('/').every((c) => REPO_COMPONENT.test(c))) return undefined;
  return { registry, repository: path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** True when `image` names a registry Kedge resolves against (see parseImageReference). */
export function namesRegistry(image: string): boolean {
  return parseImageReference(image) !== undefined;
}

/** What to ask the registry for: the digest when pinned, else the tag (`latest` when none is written). */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** `host/repository@sha256:<hex>`: the form Knative records in `containerStatuses[].imageDigest`. */
export function digestReference(ref: ImageReference, digest: string): string {
  return `${ref.registry}/${ref.repository}@${digest}`;
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * Whether Knative's `registries-skipping-tag-resolving` (config-deployment) names this reference's
 * registry: such images are used as written, never resolved.
 */
export function skipsTagResolution(ref: ImageReference, registries: readonly string[]): boolean {
  return registries.includes(ref.registry);
}
