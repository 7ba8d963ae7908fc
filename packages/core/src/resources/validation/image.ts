/**
 * Which `image` strings Kedge accepts: a component path before upload (`hello.wasm`,
 * `./build/app.wasm`), the uploaded form `<file>@sha256:<hex>`, or an OCI image reference
 * (`gcr.io/knative-samples/helloworld-go`, `node:20`) — the grammar of
 * distribution/reference, which Knative uses via go-containerregistry.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?)`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);
const KEDGE_DIGEST = /@sha256:([0-9a-f]*)$/;

/** Why `image` is not usable, or undefined when it is. */
export function imageProblem(image: string): string | undefined {
  if (/\s/.test(image) || image.includes('\0')) return 'must not contain whitespace';
  const digest = KEDGE_DIGEST.exec(image);
  if (digest) {
    if (digest[1]!.length !== 64) return 'sha256 digest must be 64 lower-case hex characters';
    if (image.length === digest[0].length) return 'missing file or repository name before the digest';
    return undefined;
  }
  if (/\.wasm$/i.test(image)) return undefined;
  if (image.length > 255 || !REFERENCE.test(image))
    return 'not a component path (*.wasm), a <file>@sha256:<hex> reference or an OCI image reference';
  return undefined;
}
