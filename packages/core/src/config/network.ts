import { FieldError } from '../errors.js';

export const NETWORK_CONFIG_MAP = 'config-network';

/**
 * How plain HTTP is served for a domain that has TLS (config-network `http-protocol`, Knative's
 * knative.dev/networking/pkg/config): Enabled serves it, Redirected answers 301 to https,
 * Disabled does not serve it.
 */
export type HttpProtocol = 'Enabled' | 'Redirected' | 'Disabled';

/** The part of Knative's config-network Kedge reads; the other keys are accepted and ignored. */
export interface NetworkConfig {
  httpProtocol: HttpProtocol;
}

export const NETWORK_CONFIG: NetworkConfig = { httpProtocol: 'Enabled' };

const PROTOCOLS: Record<string, HttpProtocol> = { enabled: 'Enabled', redirected: 'Redirected', disabled: 'Disabled' };

/** Parses config-network's data; a value Knative would refuse is a FieldError at `http-protocol`. */
export function parseNetworkConfig(data: Record<string, string> | undefined): NetworkConfig {
  const raw = data?.['http-protocol'];
  if (raw === undefined || raw === '') return { ...NETWORK_CONFIG };
  const httpProtocol = PROTOCOLS[raw.trim().toLowerCase()];
  if (!httpProtocol)
    throw FieldError.of(
      'http-protocol',
      `httpProtocol ${raw} in config-network ConfigMap is not supported (Enabled, Redirected or Disabled)`,
    );
  return { httpProtocol };
}
