import { ACTIVATOR_HEADER, CLUSTER_TOKEN_HEADER, INSTANCE_HEADER, REVISION_HEADER } from '@kedge/core';

/** RFC 9110 §7.6.1 connection-specific headers; never forwarded by a proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Headers a client must not set: they steer the runner, claim the activator forwarded the request,
 * or carry the cluster's secret (checked by the gateway, never passed on to an instance).
 */
const INTERNAL = new Set([
  INSTANCE_HEADER,
  REVISION_HEADER,
  ACTIVATOR_HEADER,
  CLUSTER_TOKEN_HEADER,
  'knative-serving-revision',
  'knative-serving-namespace',
]);

function connectionTokens(h: Headers): string[] {
  const c = h.get('connection');
  return c
    ? c
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean)
    : [];
}

/** Forwarded `for=` node: IPv6 addresses are quoted and bracketed (RFC 7239 §6). */
function forwardedNode(addr: string): string {
  const a = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  return a.includes(':') ? `"[${a}]"` : a;
}

function forwardedToken(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The headers a request carries upstream: hop-by-hop (and whatever `Connection` names) removed,
 * internal steering headers removed, and the proxy chain recorded in X-Forwarded-For/-Proto/-Host
 * and RFC 7239 Forwarded (appended to what earlier proxies wrote). Rewrites `req.headers` in place
 * when the runtime allows it — the gateway owns the incoming request, and not copying keeps the
 * warm path short — and returns whichever Headers object now holds the result.
 */
export function upstreamRequestHeaders(req: Request, remoteAddress: string | undefined, proto: string): Headers {
  let out = req.headers;
  try {
    rewrite(out, req, remoteAddress, proto);
  } catch {
    out = new Headers(req.headers);
    rewrite(out, req, remoteAddress, proto);
  }
  return out;
}

/** Every name a request must not carry upstream, checked with has() — far cheaper than iterating Headers. */
const REQUEST_DROP = [...HOP_BY_HOP, ...INTERNAL];

function rewrite(h: Headers, req: Request, remoteAddress: string | undefined, proto: string): void {
  const drop = connectionTokens(h);
  for (const name of drop) h.delete(name);
  for (const name of REQUEST_DROP) if (h.has(name)) h.delete(name);
  const host = h.get('host') ?? new URL(req.url).host;
  if (remoteAddress) {
    const xff = h.get('x-forwarded-for');
    const client =
      remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
    h.set('x-forwarded-for', xff ? `${xff}, ${client}` : client);
  }
  if (!h.has('x-forwarded-proto')) h.set('x-forwarded-proto', proto);
  if (!h.has('x-forwarded-host') && host) h.set('x-forwarded-host', host);
  let fwd = remoteAddress ? `for=${forwardedNode(remoteAddress)}` : '';
  if (host) fwd += `${fwd ? ';' : ''}host=${forwardedToken(host)}`;
  fwd += `${fwd ? ';' : ''}proto=${proto}`;
  const prev = h.get('forwarded');
  h.set('forwarded', prev ? `${prev}, ${fwd}` : fwd);
}

/**
 * Strips hop-by-hop headers from an instance's response and appends Server-Timing, in place.
 * False when the headers are immutable (a fetch() response) and something had to change.
 */
export function adjustResponseHeaders(h: Headers, serverTiming?: string): boolean {
  const remove = connectionTokens(h).filter((name) => h.has(name));
  for (const name of HOP_BY_HOP) if (h.has(name)) remove.push(name);
  if (remove.length === 0 && !serverTiming) return true;
  try {
    for (const name of remove) h.delete(name);
    if (serverTiming) h.append('server-timing', serverTiming);
    return true;
  } catch {
    return false;
  }
}

/** Response headers from an instance, minus hop-by-hop ones (the gateway's own connection decides those). */
export function downstreamResponseHeaders(h: Headers): Headers {
  const drop = connectionTokens(h);
  let clean = true;
  h.forEach((_v, name) => {
    if (HOP_BY_HOP.has(name) || (drop.length && drop.includes(name))) clean = false;
  });
  if (clean) return h;
  const out = new Headers();
  h.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || (drop.length && drop.includes(name))) return;
    out.append(name, value);
  });
  return out;
}
