import { resourceKey, SECRET_TYPE_TLS, TLS_CERT_KEY, TLS_PRIVATE_KEY_KEY, type Secret } from '@kedge/core';

/** A certificate chain and key, PEM; `version` changes whenever the Secret does (hot reload). */
export interface TlsMaterial {
  cert: string;
  key: string;
  version: string;
}

/**
 * The kubernetes.io/tls Secrets the gateway may serve, from its Store watch. Other Secrets are not
 * kept; nothing here is ever logged. Web-standard only (atob), so the module runs on Deno too.
 */
export class TlsSecrets {
  private readonly byKey = new Map<string, TlsMaterial>();

  observe(type: 'ADDED' | 'MODIFIED' | 'DELETED', secret: Secret): void {
    const key = resourceKey(secret.metadata.namespace, secret.metadata.name);
    const cert = secret.data?.[TLS_CERT_KEY];
    const pkey = secret.data?.[TLS_PRIVATE_KEY_KEY];
    if (type === 'DELETED' || secret.type !== SECRET_TYPE_TLS || typeof cert !== 'string' || typeof pkey !== 'string') {
      this.byKey.delete(key);
      return;
    }
    try {
      this.byKey.set(key, {
        cert: atob(cert),
        key: atob(pkey),
        version: `${key}@${secret.metadata.resourceVersion ?? ''}`,
      });
    } catch {
      // Not base64: the API refuses such a Secret, so this is a Store written around it.
      this.byKey.delete(key);
    }
  }

  get(namespace: string, name: string): TlsMaterial | undefined {
    return this.byKey.get(resourceKey(namespace, name));
  }
}
