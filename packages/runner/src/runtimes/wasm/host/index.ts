import { cliImports, type CliContext } from './cli.js';
import { clocksImports } from './clocks.js';
import { filesystemImports } from './filesystem.js';
import { denyOutbound, httpImports, type OutboundHandler } from './http.js';
import { ioImports } from './io.js';
import { randomImports } from './random.js';

export { GuestExit } from './errors.js';
export {
  IncomingRequest,
  ResponseOutparam,
  outboundVia,
  type ResponseSink,
  type IncomingRequestInit,
  type OutboundReply,
  type OutboundRequest,
} from './http.js';
export type { ByteSink } from './io.js';

export interface HostContext extends CliContext {
  outbound?: OutboundHandler;
}

/**
 * Kedge's own synchronous WASI host: one import object per instance (its env, its stdio), the
 * resource classes shared. Keys are jco's version-less import names, so any 0.2.x guest links.
 */
export function hostImports(ctx: HostContext): Record<string, Record<string, unknown>> {
  return {
    ...ioImports,
    ...clocksImports,
    ...randomImports,
    ...filesystemImports,
    ...cliImports(ctx),
    ...httpImports(ctx.outbound ?? denyOutbound),
  };
}

/** The interfaces this host provides; a component importing anything else cannot load here. */
export const SUPPORTED_IMPORTS: ReadonlySet<string> = new Set(
  Object.keys(
    hostImports({ env: [], stdout: { write() {}, open: true }, stderr: { write() {}, open: true } }),
  ),
);
