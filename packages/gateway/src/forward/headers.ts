import { ACTIVATOR_HEADER, INSTANCE_HEADER, REVISION_HEADER } from '@kedge/core';

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

/** Headers a client must not set: they steer the runner or claim the activator forwarded the request. */
const INTERNAL = new Set([INSTANCE_HEADER, REVISION_HEADER, ACTIVATOR_HEADER, 'knative-serving-revision', 'knative-serving-namespace']);

function connectionTokens(h: Headers): string[] {
  const c = h.get('connection');
  return c ? c.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean) : [];
}

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
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
 * and RFC 7239 Forwarded (appended to what earlier proxies wrote).
 */
export function upstreamRequestHeaders(req: Request, remoteAddress: string | undefined, proto: string): Headers {
  const out = new Headers();
  const drop = connectionTokens(req.headers);
  req.headers.forEach((value, name) => {
    if (HOP_BY_HOP.has(name) || INTERNAL.has(name) || (drop.length && drop.includes(name))) return;
    out.append(name, value);
  });
  const host = req.headers.get('host') ?? new URL(req.url).host;
  if (remoteAddress) {
    const xff = out.get('x-forwarded-for');
    const client = remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
    out.set('x-forwarded-for', xff ? `${xff}, ${client}` : client);
  }
  if (!out.has('x-forwarded-proto')) out.set('x-forwarded-proto', proto);
  if (!out.has('x-forwarded-host') && host) out.set('x-forwarded-host', host);
  const parts: string[] = [];
  if (remoteAddress) parts.push(`for=${forwardedNode(remoteAddress)}`);
  if (host) parts.push(`host=${forwardedToken(host)}`);
  parts.push(`proto=${proto}`);
  const prev = out.get('forwarded');
  out.set('forwarded', prev ? `${prev}, ${parts.join(';')}` : parts.join(';'));
  return out;
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
