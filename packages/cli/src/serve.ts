import { createAdaptorServer } from '@hono/node-server';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Server } from 'node:http';
import type { TlsIdentity } from './tls.js';

export interface Served {
  url: string;
  port: number;
  /**
   * Stops accepting, lets requests in flight finish, closes idle keep-alive sockets at once and,
   * after graceMs, whatever is still open (a client that never reads, a stream nobody ends).
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves a fetch handler on host:port; a port in use becomes a one-line error naming the flag,
 * not a stack trace.
 */
export function serveFetch(
  name: string,
  flag: string,
  /** `env` is @hono/node-server's (incoming/outgoing): the gateway reads connection facts from it. */
  fetch: (req: Request, env: unknown) => Promise<Response> | Response,
  port: number,
  host = '127.0.0.1',
  /** Also answer TLS on the same port (the API: kubectl sends tokens only over https). */
  tls?: TlsIdentity,
  /** Answer only TLS, with these options (the gateway's HTTPS port: certificates picked by SNI). */
  tlsOnly?: HttpsOptions,
): Promise<Served> {
  // Off loopback the API's bearer token would cross the network in the clear over plain HTTP:
  // there, plain HTTP is answered only to this machine's own peers, everyone else must use TLS.
  const plainFrom = tls && !isLoopback(host) ? loopbackPeer : anyPeer;
  const server = (
    tlsOnly
      ? createAdaptorServer({ fetch, createServer: createHttpsServer, serverOptions: tlsOnly })
      : createAdaptorServer({ fetch })
  ) as Server;
  server.keepAliveTimeout = 65_000;
  const secure = tls
    ? (createAdaptorServer({
        fetch,
        createServer: createHttpsServer,
        serverOptions: { key: tls.key, cert: tls.cert },
      }) as Server)
    : undefined;
  if (secure) secure.keepAliveTimeout = 65_000;
  // One port, both protocols: a TLS handshake starts with byte 0x16, an HTTP request with a letter.
  const sockets = new Set<Socket>();
  const front: NetServer = secure
    ? createNetServer((socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        dispatch(socket, server, secure, plainFrom);
      })
    : server;
  const servers = secure ? [server, secure] : [server];
  return new Promise((resolve, reject) => {
    front.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE')
        reject(new Error(`${name}: port ${port} on ${host} is already in use (choose another with ${flag})`));
      else if (err.code === 'EACCES')
        reject(new Error(`${name}: not allowed to listen on port ${port} (choose another with ${flag})`));
      else reject(new Error(`${name}: cannot listen on ${host}:${port}: ${err.message}`));
    });
    front.listen(port, host, () => {
      const actual = (front.address() as AddressInfo).port;
      resolve({
        url: `${tlsOnly ? 'https' : 'http'}://${host}:${actual}`,
        port: actual,
        close: (graceMs = 1_000) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => {
              for (const s of servers) s.closeAllConnections();
              // Includes sockets that never sent a byte, so neither protocol server has them.
              for (const s of sockets) s.destroy();
            }, graceMs);
            // The front accepted every socket, so its close waits for all of them.
            front.close(() => {
              clearTimeout(force);
              done();
            });
            // Protocol servers behind a front never listened: close() only stops keep-alive there.
            for (const s of servers) {
              if (s !== front) s.close(() => undefined);
              s.closeIdleConnections();
            }
          }),
      });
    });
  });
}

/** Reads on a loopback listener stay open (only this machine reaches them); elsewhere they need the token too. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A connection that sends nothing is closed after this long (what http.Server's headersTimeout allows). */
const FIRST_BYTE_TIMEOUT_MS = 60_000;

const anyPeer = () => true;
/** The peer is this machine (IPv4 loopback, IPv6 loopback or IPv4-mapped loopback). */
export function loopbackPeer(socket: { remoteAddress?: string | undefined }): boolean {
  const a = socket.remoteAddress ?? '';
  return a === '::1' || /^(::ffff:)?127\./.test(a);
}

const PLAIN_REFUSED = JSON.stringify({
  kind: 'Status',
  status: 'Failure',
  reason: 'Forbidden',
  code: 403,
  message:
    'plain HTTP is served to this machine only: use https:// (the token must not cross the network in the clear)',
});

function dispatch(socket: Socket, plain: Server, secure: Server, plainFrom: (s: Socket) => boolean): void {
  socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
  socket.once('data', (first: Buffer) => {
    socket.setTimeout(0);
    if (first[0] !== 0x16 && !plainFrom(socket)) {
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(PLAIN_REFUSED)}\r\n` +
          `connection: close\r\n\r\n${PLAIN_REFUSED}`,
      );
      return;
    }
    socket.pause();
    socket.unshift(first);
    (first[0] === 0x16 ? secure : plain).emit('connection', socket);
    process.nextTick(() => socket.resume());
  });
  socket.on('error', () => socket.destroy());
}
