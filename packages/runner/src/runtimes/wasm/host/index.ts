import { cliImports, type CliContext } from './cli.js';
import { clocksImports } from './clocks.js';
import { filesystemImports } from './filesystem.js';
import { denyOutbound, httpImports, type OutboundHandler } from './http.js';
import { BLOCKING, ioImports, type Waits } from './io.js';
import { randomImports } from './random.js';

export { GuestExit } from './errors.js';
export {
  Fields,
  FutureIncomingResponse,
  IncomingResponse,
  IncomingRequest,
  ResponseOutparam,
  outboundVia,
  type ResponseSink,
  type IncomingRequestInit,
  type OutboundReply,
  type OutboundRequest,
} from './http.js';
export { BLOCKING, type BodyMore, type ByteSink, type Waits } from './io.js';

export interface HostContext extends CliContext {
  outbound?: OutboundHandler;
  /** How the instance waits: blocking its thread (default) or with Promises (a JSPI guest). */
  waits?: Waits;
}

/**
 * Kedge's own WASI host: one import object per instance (its env, its stdio, how it waits), the
 * resource classes shared. For a guest transpiled with JSPI (compile.ts) the imports that wait
 * return Promises; for any other they block the guest's thread. Keys are jco's version-less import names, so any 0.2.x guest links.
 */
export function hostImports(ctx: HostContext): Record<string, Record<string, unknown>> {
  return {
    ...ioImports,
    ...clocksImports(ctx.waits ?? BLOCKING),
    ...randomImports,
    ...filesystemImports,
    ...cliImports(ctx),
    ...httpImports(ctx.outbound ?? denyOutbound),
  };
}

/** The interfaces this host provides; a component importing anything else cannot load here. */
export const SUPPORTED_IMPORTS: ReadonlySet<string> = new Set(
  Object.keys(hostImports({ env: [], stdout: { write() {}, open: true }, stderr: { write() {}, open: true } })),
);
