import { readFile } from 'node:fs/promises';
import { ApiError, statusResponse } from '../rest/status.js';
import type { DashboardStats, StatsUpdate } from './stats.js';

/** The page's files, shipped in the package beside `src/` and `dist/` (no build step). */
const ASSET_DIR = new URL('../../dashboard/', import.meta.url);
const ASSETS: Record<string, { file: string; type: string }> = {
  '/dashboard': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/** Paths of the page itself: static, no data, served without the token (the page asks for it). */
export function isDashboardAsset(pathname: string): boolean {
  return Object.hasOwn(ASSETS, pathname);
}

/** Updates queued for a stats reader that is not reading. */
const MAX_QUEUED = 1_000;

export const STATS_PATH = '/apis/kedge.dev/v1/stats';

/**
 * The page runs only its own script and talks only to its own origin: no inline script, no framing
 * (clickjacking), no referrer leaving with a URL. What the token in sessionStorage is worth to an
 * attacker is bounded by what script can run here, so nothing but these files can.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export interface DashboardRouteDeps {
  stats: DashboardStats;
  /** Open stats streams register their stop here so the API can end them on shutdown. */
  watches: Set<() => void>;
}

/** Answers the page's files and `GET /apis/kedge.dev/v1/stats[?watch=1]`; `undefined` for any other request. */
export function createDashboardRoutes(deps: DashboardRouteDeps): (req: Request) => Promise<Response> | undefined {
  const cache = new Map<string, Uint8Array>();
  return (req) => {
    const url = new URL(req.url);
    const asset = Object.hasOwn(ASSETS, url.pathname) ? ASSETS[url.pathname] : undefined;
    if (!asset && url.pathname !== STATS_PATH) return undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return Promise.resolve(
        statusResponse(new ApiError('MethodNotAllowed', `${req.method} is not allowed on ${url.pathname} (read-only)`)),
      );
    if (asset) return serveAsset(asset, cache);
    const watch = url.searchParams.get('watch');
    if (watch === '1' || watch === 'true') return Promise.resolve(statsWatch(deps));
    return Promise.resolve(Response.json(deps.stats.snapshot(), { headers: { 'cache-control': 'no-cache' } }));
  };
}

async function serveAsset(asset: { file: string; type: string }, cache: Map<string, Uint8Array>): Promise<Response> {
  let body = cache.get(asset.file);
  if (!body) {
    body = new Uint8Array(await readFile(new URL(asset.file, ASSET_DIR)));
    cache.set(asset.file, body);
  }
  return new Response(body, { headers: { 'content-type': asset.type, ...PAGE_HEADERS } });
}

/**
 * Newline-delimited JSON like the API's watch: one SNAPSHOT, then TICK (once a second, only
 * revisions with something to say), COLDSTART and EVENT as they happen.
 */
function statsWatch(deps: DashboardRouteDeps): Response {
  const enc = new TextEncoder();
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const write = (u: StatsUpdate | { type: 'SNAPSHOT'; object: unknown }) => {
        if (closed) return;
        // A reader this far behind is gone or stuck: end its stream rather than queue for it forever.
        if ((controller.desiredSize ?? 0) < -MAX_QUEUED) return stop();
        try {
          controller.enqueue(enc.encode(`${JSON.stringify(u)}\n`));
        } catch {
          stop();
        }
      };
      write({ type: 'SNAPSHOT', object: deps.stats.snapshot() });
      const unsubscribe = deps.stats.subscribe(write);
      stop = () => {
        if (closed) return;
        closed = true;
        deps.watches.delete(stop);
        unsubscribe();
        try {
          controller.close();
        } catch {
          // the client went away first
        }
      };
      deps.watches.add(stop);
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, { headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' } });
}
