import { evaluateGlue, headerStrings, incomingRequest, instantiateGuest, type Handler } from './guest.js';
import { ResponseOutparam, hostImports, type ResponseSink } from './host/index.js';
import type { CompiledComponent, RequestInit } from './protocol.js';

export interface InThreadResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

const discard = { write() {}, open: true };

/**
 * A guest instantiated on the calling thread and called synchronously. The runner never serves
 * requests this way: a guest in an endless loop would stop the thread, and Node can end a loop
 * only by terminating its thread. Benchmarks use it, for CPU-only guests, to measure what hosting a guest costs by itself.
 */
export class InThreadGuest {
  private constructor(private readonly handler: Handler) {}

  static create(component: CompiledComponent, env: [string, string][]): InThreadGuest {
    if (component.async)
      throw new Error('InThreadGuest calls guests that cannot wait only (a JSPI guest answers with a Promise)');
    const imports = hostImports({ env, stdout: discard, stderr: discard });
    return new InThreadGuest(instantiateGuest(evaluateGlue(component.glue), component, imports));
  }

  /** Serves one request with its whole body; throws when the guest traps or sets no response. */
  call(req: RequestInit): InThreadResponse {
    let head: { status: number; headers: [string, Uint8Array][] } | undefined;
    const chunks: Uint8Array[] = [];
    let failed: string | undefined;
    const sink: ResponseSink = {
      open: true,
      head: (status, headers) => void (head = { status, headers }),
      chunk: (bytes) => void chunks.push(bytes),
      end() {},
      fail: (message) => void (failed = message),
    };
    this.handler.handle(incomingRequest(req), new ResponseOutparam(sink));
    if (failed !== undefined || !head) throw new Error(failed ?? 'the guest set no response');
    return {
      status: head.status,
      headers: headerStrings(head.headers),
      body: chunks.length === 1 ? chunks[0]! : new Uint8Array(Buffer.concat(chunks)),
    };
  }
}
