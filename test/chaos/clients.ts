import { request as httpRequest } from 'node:http';
import net from 'node:net';

/**
 * Misbehaving HTTP clients, written against a raw socket so each one does exactly the wrong thing:
 * leave mid-response, leave mid-upload, stall an upload, send headers a byte at a time.
 */
export interface Addr {
  port: number;
  host: string;
}

/** Sends `METHOD path` with a body of `bodyBytes` (all of it, or `sendBytes` of it), then closes once `readBytes` came back or `afterMs` passed. */
export function leave(
  addr: Addr,
  opts: { method?: string; path: string; bodyBytes?: number; sendBytes?: number; readBytes?: number; afterMs?: number },
): Promise<number> {
  return new Promise((resolve) => {
    const s = net.connect(addr.port, '127.0.0.1');
    let got = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(got);
    };
    s.on('connect', () => {
      const len = opts.bodyBytes ?? 0;
      s.write(`${opts.method ?? 'GET'} ${opts.path} HTTP/1.1\r\nHost: ${addr.host}\r\nContent-Length: ${len}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 120);
      let sent = 0;
      const upTo = Math.min(len, opts.sendBytes ?? len);
      const pump = () => {
        while (sent < upTo && !done) {
          const n = Math.min(chunk.length, upTo - sent);
          sent += n;
          if (!s.write(chunk.subarray(0, n))) return void s.once('drain', pump);
        }
      };
      pump();
      if (opts.afterMs !== undefined) setTimeout(finish, opts.afterMs);
    });
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (opts.readBytes !== undefined && got >= opts.readBytes) finish();
    });
    s.on('error', finish);
    s.on('close', finish);
  });
}

/** Opens `count` connections that send part of a request's headers and then nothing. Returns a closer. */
export function slowloris(addr: Addr, count: number): () => void {
  const sockets = Array.from({ length: count }, () => {
    const s = net.connect(addr.port, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('connect', () => s.write(`GET / HTTP/1.1\r\nHost: ${addr.host}\r\nX-Slow: `));
    return s;
  });
  return () => {
    for (const s of sockets) s.destroy();
  };
}

/** One GET with a chosen Host and a timeout; resolves with the status or the error code, never rejects. */
export function probe(
  port: number,
  host: string,
  path = '/',
  timeoutMs = 3_000,
): Promise<{ status: number | string; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, headers: { host }, agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
        res.on('error', (e: NodeJS.ErrnoException) =>
          resolve({ status: e.code ?? 'error', body, ms: performance.now() - t0 }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ status: e.code ?? 'error', body: '', ms: performance.now() - t0 }),
    );
    req.end();
  });
}
