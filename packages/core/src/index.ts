export * from './clock.js';
export * from './logger.js';
export * from './errors.js';
export * from './dispatch.js';
export * from './cluster-token.js';
export * from './bus/bus.js';
export * from './bus/memory.js';
export * from './bus/subjects.js';
export * from './bus/events.js';
export * from './store/store.js';
export * from './store/sqlite.js';
export * from './store/blobs-fs.js';
export * from './resources/types.js';
export * from './resources/kinds.js';
export * from './resources/conditions.js';
export const KEDGE_VERSION = '0.1.0';
export * from './resources/image.js';
export * from './resources/resolved-image.js';
export * from './resources/defaults.js';
export * from './resources/validation.js';
export * from './nats/connect.js';
export * from './nats/backends.js';
export * from './bus/nats.js';
export * from './store/nats.js';
export * from './store/blobs-nats.js';
export * from './resources/names.js';
export * from './resources/duration.js';
export * from './resources/quantity.js';
export * from './resources/diff.js';
export * from './resources/validation/annotations.js';
export * from './resources/validation/kedge-annotations.js';
export { Errs } from './resources/validation/errors.js';
export {
  SERVICE_LABEL,
  CONFIGURATION_LABEL,
  ROUTE_LABEL,
  REVISION_LABEL,
  CONFIGURATION_GENERATION_LABEL,
  CONFIGURATION_UID_LABEL,
  SERVICE_UID_LABEL,
  ROUTING_STATE_LABEL,
  CREATOR_ANNOTATION,
  LAST_MODIFIER_ANNOTATION,
} from './resources/validation/metadata.js';
export { RESERVED_PORTS, RESERVED_ENV_VARS, DEFAULT_USER_PORT } from './resources/validation/container.js';
export { imageProblem } from './resources/validation/image.js';
export { servingContainerIndex } from './resources/validation/revision-spec.js';
export * from './config/defaults.js';
export * from './config/domain.js';
export * from './config/features.js';
export * from './config/network.js';
export * from './config/deployment.js';
export * from './config/autoscaler.js';
export * from './config/autoscaler-config.js';
export * from './config/runner.js';
export * from './resources/concurrency.js';
export * from './resources/runtime-kind.js';
export * from './resources/pod-autoscaler.js';
export * from './net.js';
export * from './listen.js';
export * from './retry.js';
export * from './store/watchers.js';
export * from './lifecycle/index.js';
export * from './oci/reference.js';
export * from './oci/media-types.js';
export * from './oci/errors.js';
export * from './oci/auth.js';
export * from './oci/client.js';
export * from './oci/wasm-artifact.js';
export * from './oci/docker-config.js';
