/**
 * Messages between the runner's main thread and a guest worker. A worker runs one synchronous guest
 * call at a time, and interleaves any number of suspended JSPI calls (one per instance).
 */
import type { OutboundPolicy } from '@kedge/core';

export interface CompiledComponent {
  /** Cache key: digest plus the memory cap the core modules were rewritten for. */
  key: string;
  /** Patched jco glue (instantiation mode): evaluates to `instantiate(getCoreModule, imports)`. */
  glue: string;
  modules: Record<string, WebAssembly.Module>;
  /** A JS guest written against the fetch event: its instances serve one request each. */
  fetchEvent: boolean;
  /** Transpiled with JSPI (the guest can wait): `handle` returns a Promise, waits suspend it. */
  async: boolean;
}

export interface InstanceSpec {
  instanceId: string;
  /** Revision key `ns/name`, for log lines. */
  revision: string;
  env: [string, string][];
  /** Bytes of stdout/stderr kept per request and stream; the rest is dropped with a note. */
  logLimit: number;
  /** Which outbound HTTP requests the guest may make (annotation kedge.dev/outbound). */
  outbound: OutboundPolicy;
}

export interface RequestInit {
  method: string;
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority: string;
  headers: [string, string][];
  /** The body's first bytes (small bodies: all of it). */
  body: Uint8Array;
  /** More body follows: the guest pulls it chunk by chunk while it reads. */
  bodyMore: boolean;
}

export type ToWorker =
  | { type: 'instantiate'; job: number; spec: InstanceSpec; key: string; component?: CompiledComponent }
  | { type: 'request'; job: number; instanceId: string; req: RequestInit }
  | { type: 'drop'; job: number; instanceId: string }
  /** No instance of this compiled component is left: let its glue and modules go. */
  | { type: 'forget'; job: number; key: string }
  /** The answer to a suspended guest's `pull` or `outbound` (asynchronous guests only). */
  | { type: 'reply'; id: number; value: PullReply | import('./host/index.js').OutboundReply }
  /** A suspended call's deadline passed or its client left: end it, discard its instance's state. */
  | { type: 'cancel'; job: number }
  /** Several of the above, in order (sent together to wake the worker once). */
  | { type: 'batch'; msgs: ToWorker[] };

export interface LogBatch {
  stdout?: string;
  stderr?: string;
  truncated?: boolean;
}

export type { OutboundReply, OutboundRequest } from './host/index.js';

/** The main thread's answer to a pull: the next chunk, or the end (also after a failed read). */
export type PullReply = { chunk: Uint8Array } | { end: true };

export type FromWorker =
  /**
   * Sent mid-job: a synchronous guest waits (blocked) for the reply on the worker's outbound port;
   * an asynchronous one (`reply` set) is suspended until a `reply` message with that id.
   */
  | {
      type: 'outbound';
      job: number;
      instanceId: string;
      req: import('./host/index.js').OutboundRequest;
      reply?: number;
    }
  /** Sent mid-job: the guest reads past the body bytes it got and waits for the next chunk. */
  | { type: 'pull'; job: number; reply?: number }
  | { type: 'instantiated'; job: number; ms: number }
  | { type: 'ok'; job: number }
  | { type: 'head'; job: number; status: number; headers: [string, string][]; chunks: Uint8Array[] }
  | { type: 'chunks'; job: number; chunks: Uint8Array[] }
  | {
      type: 'done';
      job: number;
      /** Set when the head had not been sent yet (small responses travel in one message). */
      head?: { status: number; headers: [string, string][] };
      chunks: Uint8Array[];
      log?: LogBatch;
      /** The instance's linear memory once the call ended, KiB (the HPA's memory metric). */
      kib?: number;
      /** How long the guest was in the call, ms (the HPA's cpu metric). */
      ms?: number;
    }
  | {
      type: 'failed';
      job: number;
      kind: 'trap' | 'exit' | 'no-response' | 'guest-error' | 'setup';
      message: string;
      headSent: boolean;
      log?: LogBatch;
      ms?: number;
    }
  /** Answers of several calls, in order. */
  | { type: 'batch'; msgs: FromWorker[] };

/**
 * State shared with a worker without messages (a worker busy in a guest cannot read messages).
 * `slots[job % SLOTS]`: the main thread writes the job id before posting a request; the worker
 * swaps it for -id when it starts the job, the main thread for 0 when it takes back a job that has
 * not started (compareExchange on both sides: exactly one of them wins).
 * `cpu[0]`: the job whose guest code runs right now (0: none); `cpu[1]` counts changes of it;
 * `cpu[2]`: KiB of linear memory the worker's guest instances hold (updated as calls end);
 * `cpu[3]`: the worker thread's Linux thread id (0 elsewhere).
 */
export interface SharedState {
  slots: Int32Array;
  cpu: Int32Array;
}

export const SLOTS = 1 << 16;

/** Where the worker hands a JSPI instance the hooks that follow its guest on and off the CPU (compile.ts). */
export const HOOKS = 'kedge:hooks';
