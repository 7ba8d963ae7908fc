import { readLeb, writeLeb } from './leb128.js';

/**
 * Caps a core module's own linear memories by rewriting their declared maximum (in 64 KiB pages):
 * `memory.grow` past it then fails (-1) inside the guest instead of taking the runner's memory.
 * Node offers no per-instance limit (worker resourceLimits cover only the JS heap).
 */
export function capMemory(module: Uint8Array, maxPages: number): Uint8Array {
  if (module.length < 8) return module;
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(module[i]!);
  let pos = 8;
  while (pos < module.length) {
    const id = module[pos++]!;
    const [size, sizeLen] = readLeb(module, pos);
    const start = pos + sizeLen;
    const end = start + size;
    if (id === 5) {
      const body = rewriteMemorySection(module.subarray(start, end), maxPages);
      out.push(id, ...writeLeb(body.length), ...body);
    } else {
      for (let i = pos - 1; i < end; i++) out.push(module[i]!);
    }
    pos = end;
  }
  return Uint8Array.from(out);
}

export class MemoryLimitError extends Error {}

function rewriteMemorySection(body: Uint8Array, maxPages: number): number[] {
  let pos = 0;
  const [count, n] = readLeb(body, pos);
  pos += n;
  const out = [...writeLeb(count)];
  for (let i = 0; i < count; i++) {
    const flags = body[pos++]!;
    if (flags & 0x04) throw new MemoryLimitError('64-bit memories are not supported');
    const [min, a] = readLeb(body, pos);
    pos += a;
    let max = maxPages;
    if (flags & 0x01) {
      const [declared, b] = readLeb(body, pos);
      pos += b;
      max = Math.min(declared, maxPages);
    }
    if (min > maxPages)
      throw new MemoryLimitError(
        `the component needs ${min} pages (${(min * 64) / 1024} MiB) of linear memory at start, more than resources.limits.memory allows (${maxPages} pages)`,
      );
    out.push(flags | 0x01, ...writeLeb(min), ...writeLeb(max));
  }
  for (; pos < body.length; pos++) out.push(body[pos]!);
  return out;
}
