import type { ObjectMeta } from '../../types.js';

/** Kubernetes' Secret type for a TLS certificate and its key (`tls.crt`, `tls.key`, PEM, base64 in `data`). */
export const SECRET_TYPE_TLS = 'kubernetes.io/tls';
export const TLS_CERT_KEY = 'tls.crt';
export const TLS_PRIVATE_KEY_KEY = 'tls.key';

/** Kubernetes' v1 Secret: `data` values are base64; `stringData` is merged into `data` on write. */
export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
  spec?: undefined;
  status?: undefined;
}

/** The decoded bytes of one `data` entry, or undefined when absent. */
export function secretValue(secret: Secret, key: string): Buffer | undefined {
  const v = secret.data?.[key];
  return typeof v === 'string' ? Buffer.from(v, 'base64') : undefined;
}
