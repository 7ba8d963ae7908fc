import { readLeb } from './leb128.js';

/**
 * Which components can wait, and which of their imports suspend under JSPI.
 *
 * A component that imports any of these can wait for something outside the CPU — a timer or an
 * outbound answer (wasi:io/poll), an outbound request, a request body still arriving — and is
 * transpiled with jco's `asyncMode: 'jspi'`: those imports return Promises and its `handle` export
 * suspends meanwhile, so one worker thread interleaves many waiting calls. Any other component is
 * CPU-only and keeps the synchronous path (jco's async bookkeeping costs ~16 µs per export call and
 * more per suspending import, docs/runner.md).
 */
export const SUSPENDING_IMPORTS = [
  'wasi:io/poll#poll',
  'wasi:io/poll#[method]pollable.block',
  'wasi:io/streams#[method]input-stream.blocking-read',
  'wasi:io/streams#[method]input-stream.blocking-skip',
  'wasi:io/streams#[method]output-stream.blocking-splice',
  'wasi:http/types#[method]future-incoming-response.get',
] as const;

export const ASYNC_EXPORTS = ['wasi:http/incoming-handler#handle'] as const;

/** Importing one of these means the guest waits (outgoing-handler: for its answer, through get or poll). */
const WAITING = new Set<string>([...SUSPENDING_IMPORTS, 'wasi:http/outgoing-handler#handle']);

/** True when a core module of the component imports something that can wait. */
export function canWait(coreModules: Iterable<Uint8Array>): boolean {
  for (const m of coreModules)
    for (const name of coreImports(m)) if (WAITING.has(name.replace(/@[^#]*#/, '#'))) return true;
  return false;
}

/** `module#name` of every import of a core wasm module (its import section, nothing compiled). */
export function coreImports(bytes: Uint8Array): string[] {
  const out: string[] = [];
  if (bytes.length < 8) return out;
  const dec = new TextDecoder();
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++]!;
    const [size, n] = readLeb(bytes, pos);
    pos += n;
    if (id !== 2) {
      pos += size;
      continue;
    }
    let p = pos;
    const name = () => {
      const [len, k] = readLeb(bytes, p);
      p += k;
      const s = dec.decode(bytes.subarray(p, p + len));
      p += len;
      return s;
    };
    const skipLeb = () => void (p += readLeb(bytes, p)[1]);
    const limits = () => {
      const flags = bytes[p++]!;
      skipLeb();
      if (flags & 1) skipLeb();
    };
    const [count, c] = readLeb(bytes, p);
    p += c;
    for (let i = 0; i < count; i++) {
      const mod = name();
      const field = name();
      out.push(`${mod}#${field}`);
      const kind = bytes[p++]!;
      if (kind === 0)
        skipLeb(); // func: type index
      else if (kind === 1) {
        p++; // table: reftype, limits
        limits();
      } else if (kind === 2)
        limits(); // memory
      else if (kind === 3)
        p += 2; // global: valtype, mutability
      else if (kind === 4) {
        p++; // tag: attribute, type index
        skipLeb();
      } else break;
    }
    return out;
  }
  return out;
}
