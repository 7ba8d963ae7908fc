import { sha256Digest } from '../store/blobs-fs.js';
import type { Descriptor, Manifest, RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { OCI_MANIFEST, WASM_CONFIG, WASM_LAYER } from './media-types.js';
import { digestReference, type ImageReference } from './reference.js';

/**
 * A component as a CNCF wasm OCI artifact (the layout wkg, Spin and wasmCloud push): an OCI image
 * manifest, config `application/vnd.wasm.config.v0+json` with `architecture: wasm`, `os: wasip2` and
 * the layer digests, and the component itself as the one `application/wasm` layer.
 */
export function wasmArtifact(
  component: Uint8Array,
  created: Date,
): { config: Uint8Array; layer: Descriptor; manifest: Uint8Array } {
  const layer: Descriptor = { mediaType: WASM_LAYER, digest: sha256Digest(component), size: component.length };
  // `component.exports/imports` are optional to readers; Kedge checks the component when it compiles it.
  const config = new TextEncoder().encode(
    JSON.stringify({
      created: created.toISOString(),
      architecture: 'wasm',
      os: 'wasip2',
      layerDigests: [layer.digest],
      component: { exports: [], imports: [] },
    }),
  );
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: WASM_CONFIG,
    config: { mediaType: WASM_CONFIG, digest: sha256Digest(config), size: config.length },
    layers: [layer],
  };
  return { config, layer, manifest: new TextEncoder().encode(JSON.stringify(manifest)) };
}

/** Pushes a component to `ref` (its tag, or by digest when it has none); returns `registry/repo@sha256:…`. */
export async function pushWasmComponent(
  client: RegistryClient,
  ref: ImageReference,
  component: Uint8Array,
  created: Date,
): Promise<string> {
  const { config, manifest } = wasmArtifact(component, created);
  await client.pushBlob(ref, component);
  await client.pushBlob(ref, config);
  const digest = await client.pushManifest(ref, manifest, OCI_MANIFEST);
  return digestReference(ref, digest);
}

/** What an image reference resolved to. */
export interface ResolvedImage {
  /** The manifest digest (`sha256:…`). */
  digest: string;
  /** `registry/repository@sha256:…`, Knative's `containerStatuses[].imageDigest`. */
  imageDigest: string;
  /** The manifest's artifactType, else its config's media type, else (an index) the manifest's own media type. */
  artifactType: string;
  /** For a wasm artifact: the component layer. */
  component?: Descriptor;
}

/** Resolves `ref` to its manifest digest and reads what kind of artifact it is (one GET of the manifest). */
export async function resolveImage(client: RegistryClient, ref: ImageReference): Promise<ResolvedImage> {
  const { descriptor, manifest } = await client.manifest(ref);
  const artifactType = manifest.artifactType ?? manifest.config?.mediaType ?? descriptor.mediaType;
  const resolved: ResolvedImage = {
    digest: descriptor.digest,
    imageDigest: digestReference(ref, descriptor.digest),
    artifactType,
  };
  if (artifactType !== WASM_CONFIG && manifest.config?.mediaType !== WASM_CONFIG) return resolved;
  const layers = (manifest.layers ?? []).filter((l) => l.mediaType === WASM_LAYER);
  if (layers.length !== 1)
    throw new RegistryError(
      'ImageInvalid',
      `${resolved.imageDigest}: a wasm artifact needs exactly one ${WASM_LAYER} layer, it has ${layers.length}`,
    );
  return { ...resolved, artifactType: WASM_CONFIG, component: layers[0]! };
}
