import {
  NETWORK_CONFIG,
  NETWORK_CONFIG_MAP,
  parseNetworkConfig,
  type ConfigMap,
  type HttpProtocol,
  type Logger,
  type NetworkConfig,
  type WatchEvent,
} from '@kedge/core';
import { noRoute } from '../handler/answers.js';
import type { DomainEntry } from '../routing/domains.js';

/**
 * What a plain-HTTP request to a mapped domain with TLS gets under config-network's `http-protocol`
 * (Knative's networking: Redirected → 301 to https, Disabled → not served), or undefined to serve it.
 * Domains without TLS, and requests that came over TLS, are always served.
 */
export function plainHttpAnswer(
  entry: DomainEntry,
  req: Request,
  secure: boolean,
  protocol: HttpProtocol,
  httpsPort: number | undefined,
): Response | undefined {
  if (secure || !entry.secretName || protocol === 'Enabled') return undefined;
  if (protocol === 'Disabled') return noRoute(entry.domain);
  const url = new URL(req.url);
  const port = httpsPort === undefined || httpsPort === 443 ? '' : `:${httpsPort}`;
  return new Response(null, {
    status: 301,
    headers: { location: `https://${entry.domain}${port}${url.pathname}${url.search}` },
  });
}

/** config-network's http-protocol as last seen, and where the HTTPS listener is for redirects. */
export class HttpProtocolPolicy {
  private network: NetworkConfig = NETWORK_CONFIG;
  httpsPort: number | undefined;

  constructor(private readonly log: Logger) {}

  /** A ConfigMap event from the system namespace. */
  observe(ev: WatchEvent): void {
    if (ev.object.metadata.name !== NETWORK_CONFIG_MAP) return;
    try {
      this.network = ev.type === 'DELETED' ? NETWORK_CONFIG : parseNetworkConfig((ev.object as ConfigMap).data);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'config-network is invalid; keeping the previous http-protocol');
    }
  }

  answer(entry: DomainEntry, req: Request, secure: boolean): Response | undefined {
    return plainHttpAnswer(entry, req, secure, this.network.httpProtocol, this.httpsPort);
  }
}
