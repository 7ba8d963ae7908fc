import type { Endpoint } from '@kedge/core';

/** A request on its way to one instance, headers already rewritten for upstream. */
export interface UpstreamRequest {
  method: string;
  url: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  signal: AbortSignal;
}

/** Carries a request to an instance on another node (the runner's HTTP entry). */
export interface Transport {
  send(endpoint: Endpoint, req: UpstreamRequest, fromActivator: boolean): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The request provably never reached an instance (connection refused, or reset before a byte of
 * it was sent), so another instance may take it without risk of running it twice.
 */
export class NeverReachedError extends Error {
  constructor(
    readonly instanceId: string,
    override readonly cause: unknown,
  ) {
    super(`instance ${instanceId} unreachable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'NeverReachedError';
  }
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function nullBodyStatus(status: number): boolean {
  return NULL_BODY.has(status);
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECT_CODES.has(code) || RESET_CODES.has(code))) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether a transport error proves the request never reached the instance: a refused connect
 * always does; a reset only when nothing of the request body was sent and the method is one the
 * instance could not have acted on halfway (no body at all).
 */
export function neverReached(err: unknown, bodyStarted: boolean, hasBody: boolean): boolean {
  const code = errorCode(err);
  if (!code) return false;
  if (CONNECT_CODES.has(code)) return !bodyStarted;
  return !hasBody && !bodyStarted;
}
