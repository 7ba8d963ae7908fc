/**
 * Why talking to a registry failed, as the CamelCase word a Revision condition carries:
 * RegistryUnreachable (no connection, a timeout, a 5xx), ImageNotFound (404 for the manifest or a blob),
 * RegistryUnauthorized (401/403 after authenticating), ImageInvalid (bad digest, unknown or oversized
 * manifest), RegistryError (any other answer).
 */
export type RegistryErrorReason =
  | 'RegistryUnreachable'
  | 'ImageNotFound'
  | 'RegistryUnauthorized'
  | 'ImageInvalid'
  | 'RegistryError';

export class RegistryError extends Error {
  constructor(
    readonly reason: RegistryErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
