import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Where a listener binds: `--listen HOST:PORT` (IPv6 as `[::]:PORT`). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT`, `[V6]:PORT` or `:PORT` (loopback); errors name the flag. */
export function parseListen(flag: string, value: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const host = m ? (m[1] ?? m[2] ?? '') : '';
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new Error(`${flag}: "${value}" is not HOST:PORT (e.g. 0.0.0.0:8080, [::]:8080, 127.0.0.1:0)`);
  if (host && !isIP(host) && host !== 'localhost')
    throw new Error(
      `${flag}: "${host}" is not an IP address (listen on an address this machine has, or 0.0.0.0 for all)`,
    );
  return { host: host || '127.0.0.1', port };
}

/** 0.0.0.0 or :: — every address of the machine. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/**
 * The address other machines use for a listener: the bound one, or for a wildcard bind the first
 * non-internal IPv4 address of this machine (loopback when it has none). `--advertise` overrides it.
 */
export function advertisedUrl(host: string, port: number, advertise?: string): string {
  if (advertise) return advertise.replace(/\/$/, '');
  let h = host;
  if (isWildcard(host)) {
    h = '127.0.0.1';
    outer: for (const addrs of Object.values(networkInterfaces()))
      for (const a of addrs ?? [])
        if (a.family === 'IPv4' && !a.internal) {
          h = a.address;
          break outer;
        }
  }
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
