import type { HttpProtocol } from '@kedge/core';
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
  if (protocol === 'Disabled')
    return new Response(JSON.stringify({ error: 'no route for this host', host: entry.domain }), {
      status: 404,
      headers: { 'content-type': 'application/json' },
    });
  const url = new URL(req.url);
  const port = httpsPort === undefined || httpsPort === 443 ? '' : `:${httpsPort}`;
  return new Response(null, {
    status: 301,
    headers: { location: `https://${entry.domain}${port}${url.pathname}${url.search}` },
  });
}
