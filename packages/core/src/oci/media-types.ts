/** Media types of the OCI image and distribution specs, Docker's schema 2, and the CNCF wasm artifact. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_IMAGE_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_IMAGE_CONFIG = 'application/vnd.docker.container.image.v1+json';
/**
 * The CNCF TAG Runtime wasm OCI artifact (what wkg, Spin and wasmCloud push): an OCI image manifest
 * whose config has this media type and whose single layer is the component (`application/wasm`).
 */
export const WASM_CONFIG = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER = 'application/wasm';

/** Accept header for manifests: every manifest kind a registry may answer with. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(', ');

/** Which runtime an artifact type asks for: a wasm artifact runs as a component, anything else is a container image. */
export function runtimeForArtifactType(artifactType: string): 'wasm' | 'container' {
  return artifactType === WASM_CONFIG ? 'wasm' : 'container';
}
