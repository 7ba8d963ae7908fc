import { transpile } from '@bytecodealliance/jco';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SUPPORTED_IMPORTS } from './host/index.js';
import { capMemory } from './memory-limit.js';
import { HOOKS, type CompiledComponent } from './protocol.js';
import { ASYNC_EXPORTS, SUSPENDING_IMPORTS, canWait } from './waiting.js';

/** A component that cannot run here; `reason` is a CamelCase word for Revision conditions. */
export class ComponentLoadError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ComponentLoadError';
  }
}

/** What jco makes of a component, kept on disk under the data dir so a restart skips transpiling. */
interface Transpiled {
  glue: string;
  modules: Record<string, Uint8Array>;
  imports: string[];
  fetchEvent: boolean;
  /** Transpiled with JSPI: the guest can wait (waiting.ts), its `handle` returns a Promise. */
  async: boolean;
}

/** 5: components that can wait are transpiled with JSPI; the sync-import patch is per trampoline. */
const GLUE_FORMAT = 5;

/**
 * StarlingMonkey (componentize-js) guests written with `addEventListener('fetch', …)` can serve
 * one request per instance (StarlingMonkey issue #247). Their JS source travels inside the
 * component, so it can be recognised there.
 */
export function looksLikeFetchEventGuest(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return /addEventListener\(\s*["'`]fetch["'`]/.test(text);
}

/**
 * Fixes the jco 1.35 glue for Kedge's host and makes it evaluable in a worker:
 * - every instantiation wraps `WebAssembly.promising` in a try/catch probe (for runtimes without
 *   JSPI, where each throw cost milliseconds on large components); a synchronous component's glue
 *   uses the plain export, a JSPI one keeps its `promising` wrapper without the probe;
 * - every host call reads `process.env.JCO_DEBUG`;
 * - every host call runs component-model-async bookkeeping (a task per call, a subtask in the
 *   caller, global current-task metadata) that a synchronous import called from a synchronous
 *   export never needs: about half of a tiny guest's request (docs/runner.md). Sync imports are
 *   called straight through; async or manually-async imports keep the generated path;
 * - every call into a sync export made a task too (a class with a dozen fields, an exclusive lock
 *   against re-entry, a borrow-scope check at exit): 12 → 7 µs per tiny request when dropped, which
 *   is done only for components with nothing async; and the per-instance async state those exports
 *   check is made at instantiation rather than in the first request;
 * - handle tables remember every resource rep they ever created in a Set nothing reads: it grew
 *   by a few entries per request for the life of the instance.
 */
export function patchGlue(source: string): string {
  let glue = source
    .replace(/^"use components";\s*/, '')
    .replace(/^export function instantiate\(/m, 'function instantiate(')
    .replace(/^export const _util\b/m, 'const _util');
  glue = glue.replace(
    /try \{\s*([\w$]+) = WebAssembly\.promising\(([^;]+)\);\s*\} catch\s*\(\w+\)\s*\{\s*\1 = \2;\s*\}/g,
    '$1 = $2;',
  );
  glue = glue.replace(/if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}/g, 'return;');
  glue = dropDebugLogs(glue);
  return hookJspi(prepareAsyncState(skipSyncTasks(glue))).replace(/^\s*table\._createdReps\.add\(rep\);$/m, '');
}

const JSPI_HOOKS = `const _kedgeSuspending = (imports, fn) => new WebAssembly.Suspending(imports['${HOOKS}']?.suspending(fn) ?? fn);
const _kedgeEntry = (imports, fn) => imports['${HOOKS}']?.entry(fn) ?? fn;
`;

/**
 * A JSPI guest's call enters wasm through its `promising` export and leaves the CPU whenever a
 * `Suspending` import returns a Promise; both get a hook (imports[HOOKS], set by the worker), so the
 * worker knows which call holds the CPU — how the runner tells a runaway loop from a waiting call
 * (docs/runner.md). jco's own bookkeeping has awaits between the two, so nothing else is exact.
 */
function hookJspi(glue: string): string {
  const entry = /(\w+) = WebAssembly\.promising\((exports\d+\['[^']*#handle'\])\);/;
  if (!entry.test(glue)) return glue;
  return (
    JSPI_HOOKS +
    glue
      .replace(entry, '$1 = _kedgeEntry(imports, WebAssembly.promising($2));')
      .replaceAll('new WebAssembly.Suspending(', '_kedgeSuspending(imports, ')
  );
}

/**
 * jco's glue calls `_debugLog('…', { …fields })` dozens of times per call into a JSPI guest (each
 * async task's enter, resolve, exit, every subtask…); with JCO_DEBUG gone the calls do nothing, but
 * their argument objects are still built. Each call (found by scanning to its closing parenthesis,
 * outside strings) becomes `void 0`; a call whose text holds a template literal or a comment is left.
 */
export function dropDebugLogs(glue: string): string {
  const marker = '_debugLog(';
  let out = '';
  let at = 0;
  for (let i = glue.indexOf(marker); i >= 0; i = glue.indexOf(marker, at)) {
    const end = /[\w$.]/.test(glue[i - 1] ?? '') ? -1 : callEnd(glue, i + marker.length);
    if (end < 0) {
      out += glue.slice(at, i + marker.length);
      at = i + marker.length;
      continue;
    }
    out += `${glue.slice(at, i)}void 0`;
    at = end + 1;
  }
  return out + glue.slice(at);
}

/** Index of the `)` closing a call whose arguments start at `from`; -1 when unsure. */
function callEnd(src: string, from: number): number {
  let depth = 1;
  for (let i = from; i < src.length; i++) {
    const c = src[i]!;
    if (c === '`') return -1;
    if (c === "'" || c === '"') {
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
      continue;
    }
    if (c === '/' && (src[i + 1] === '/' || src[i + 1] === '*')) return -1;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (--depth === 0) return c === ')' ? i : -1;
    }
  }
  return -1;
}

/** Stands in for the per-call task of a host import: a sync call needs none of its bookkeeping. */
const SYNC_TASK = `const _kedgeSyncTask = {
  componentIdx: () => -1, id: () => 0, getParentSubtask: () => undefined, mayBlock: () => false,
  isResolvedState: () => true, isExited: () => true,
  setErrored() {}, reject() {}, resolve() {}, exit() {},
};
`;

/** Where the trampoline containing `at` begins (sync or async). */
function trampolineStart(glue: string, at: number): number {
  return Math.max(glue.lastIndexOf('= function(', at), glue.lastIndexOf('= async function(', at));
}

function skipSyncTasks(glue: string): string {
  const wrapper =
    /function _lowerImportBackwardsCompat\(args\) \{\n(\s*)const params = \[\.\.\.arguments\]\.slice\(1\);/;
  if (!wrapper.test(glue)) return glue; // another jco: leave its glue alone
  glue = glue.replace(
    wrapper,
    'function _lowerImportBackwardsCompat(args, ...params) {\n' +
      '$1if (!args.isManualAsync && !args.isAsync && !args.funcTypeIsAsync) return args.importFn(...params);',
  );
  // Inside each host trampoline: the task creation, then the call wrapped in current-task metadata.
  // One trampoline at a time: an async one (`await task.enter(…)`) must not swallow the start of
  // the sync one after it, whose import then would skip its subtask while its body still wants one.
  glue = glue.replace(
    /const hostProvided = true;((?:(?!const hostProvided = true;)[\s\S])*?)const started = task\.enterSync\(\);/g,
    (block) => (block.length < 2_000 && !block.includes('function') ? 'const task = _kedgeSyncTask;' : block),
  );
  glue = glue.replace(
    /_withGlobalCurrentTaskMeta\(\{\s*componentIdx: task\.componentIdx\(\),\s*taskID: task\.id\(\),\s*fn: \(\) => (.+),\s*\}\)/g,
    (call, fn: string, at: number) =>
      glue.lastIndexOf('const task = _kedgeSyncTask;', at) > trampolineStart(glue, at) ? `(${fn})` : call,
  );
  // A sync export of a component with nothing async (no async import or export anywhere) needs
  // no task either: the exclusive lock it takes guards against re-entry while an async task is
  // suspended, which such a component cannot have.
  if (!/isAsync: true|isManualAsync: true/.test(glue))
    glue = glue.replace(
      new RegExp(
        String.raw`const \[task, _wasm_call_currentTaskID\] = createNewCurrentTask\(\{([^{}]*)\}\);\s*` +
          String.raw`task\.setCalleeIsAsync\(false\);\s*const started = task\.enterSync\(\);`,
        'g',
      ),
      (block, args: string) =>
        /isAsync: false,/.test(args) && /callingWasmExport: true/.test(args) ? 'const task = _kedgeSyncTask;' : block,
    );
  return SYNC_TASK + glue;
}

/**
 * Each instance's component async state (a class instance with a dozen fields, Maps and a promise)
 * is made by the first call into an export. Made at instantiation instead, which for a warm guest
 * happens before any request: the first request into a fresh instance is ~30 µs shorter in-thread.
 */
function prepareAsyncState(glue: string): string {
  const end = 'const maybeSyncReturn = runNext(null);';
  const components = new Set(
    [...glue.matchAll(/getOrCreateAsyncState\((\d+)\)\.throwIfTrapped\(\)/g)].map((m) => m[1]),
  );
  if (!components.size || glue.split(end).length !== 2) return glue;
  return glue.replace(end, `${end}\n${[...components].map((i) => `getOrCreateAsyncState(${i});`).join('\n')}`);
}

type TranspileOptions = NonNullable<Parameters<typeof transpile>[1]>;

const SYNC_OPTIONS: TranspileOptions = { name: 'guest', instantiation: 'sync', noTypescript: true, quiet: true };

/** jco's JS API takes explicit lists (it ignores `asyncWasiImports`); names without a version match any 0.2.x. */
const JSPI_OPTIONS: TranspileOptions = {
  ...SYNC_OPTIONS,
  asyncMode: 'jspi',
  asyncImports: [...SUSPENDING_IMPORTS],
  asyncExports: [...ASYNC_EXPORTS],
};

export async function transpileComponent(bytes: Uint8Array): Promise<Transpiled> {
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    out = await transpile(bytes, SYNC_OPTIONS);
  } catch (err) {
    throw new ComponentLoadError(
      'InvalidComponent',
      `the image is not a valid WebAssembly component: ${(err as Error).message ?? err}`,
    );
  }
  const unsupported = out.imports.filter((i) => !SUPPORTED_IMPORTS.has(i.replace(/@.*$/, '')));
  if (unsupported.length)
    throw new ComponentLoadError(
      'UnsupportedImports',
      `the component imports ${unsupported.join(', ')}, which Kedge does not provide (a wasi:http/proxy 0.2.x ` +
        'component may import wasi:http, wasi:io, wasi:cli, wasi:clocks, wasi:random and an empty wasi:filesystem)',
    );
  const exportNames = out.exports.map(([n]) => n).join(', ');
  if (!out.exports.some(([name]) => /^wasi:http\/incoming-handler@0\.2\./.test(name)))
    throw new ComponentLoadError(
      'NotAnHttpComponent',
      `the component does not export wasi:http/incoming-handler@0.2.x (exports: ${exportNames || 'none'}); ` +
        'build it for the wasi:http/proxy world',
    );
  const cores = () =>
    Object.entries(out.files)
      .filter(([name]) => name.endsWith('.wasm'))
      .map(([, data]) => data);
  // Decided from what its core modules import; the second transpile happens once per digest (disk cache).
  const async = canWait(cores());
  if (async) out = await transpile(bytes, JSPI_OPTIONS);
  const modules: Record<string, Uint8Array> = {};
  let glue = '';
  for (const [name, data] of Object.entries(out.files)) {
    if (name.endsWith('.wasm')) modules[name] = data;
    else if (name === 'guest.js') glue = patchGlue(new TextDecoder().decode(data));
  }
  return { glue, modules, imports: out.imports, fetchEvent: looksLikeFetchEventGuest(bytes), async };
}

/**
 * Transpiles each digest once (memory, then disk under `dir`), compiles its core modules once per
 * memory cap. The compiled `WebAssembly.Module`s go to workers by postMessage without recompiling.
 */
export class ComponentCache {
  private readonly transpiled = new Map<string, Promise<Transpiled>>();
  private readonly compiled = new Map<string, Promise<CompiledComponent>>();

  constructor(private readonly dir: string) {}

  /** `bytes` is called only when neither memory nor disk knows the digest. */
  compile(digest: string, bytes: () => Promise<Uint8Array>, maxPages?: number): Promise<CompiledComponent> {
    const key = maxPages === undefined ? digest : `${digest}:${maxPages}`;
    let p = this.compiled.get(key);
    if (!p) {
      p = this.doCompile(key, digest, bytes, maxPages);
      this.compiled.set(key, p);
      // A failure is not cached: the blob may arrive later, or a new runner build may handle it.
      p.catch(() => this.compiled.delete(key));
    }
    return p;
  }

  has(digest: string, maxPages?: number): boolean {
    return this.compiled.has(maxPages === undefined ? digest : `${digest}:${maxPages}`);
  }

  /** Forgets a compiled component (and its transpile, once no other memory cap uses it); the disk copy stays. */
  evict(key: string): void {
    this.compiled.delete(key);
    const digest = key.replace(/:\d+$/, '');
    if (![...this.compiled.keys()].some((k) => k === digest || k.startsWith(`${digest}:`)))
      this.transpiled.delete(digest);
  }

  /** Compiled components held in memory (keys), for tests and status. */
  get size(): number {
    return this.compiled.size;
  }

  private async doCompile(
    key: string,
    digest: string,
    bytes: () => Promise<Uint8Array>,
    maxPages?: number,
  ): Promise<CompiledComponent> {
    const t = await this.transpile(digest, bytes);
    const modules: Record<string, WebAssembly.Module> = {};
    for (const [name, code] of Object.entries(t.modules)) {
      const capped = maxPages === undefined ? code : capMemory(code, maxPages);
      modules[name] = await WebAssembly.compile(capped);
    }
    return { key, glue: t.glue, modules, fetchEvent: t.fetchEvent, async: t.async };
  }

  private transpile(digest: string, bytes: () => Promise<Uint8Array>): Promise<Transpiled> {
    let p = this.transpiled.get(digest);
    if (!p) {
      p = this.fromDisk(digest).then(async (cached) => {
        if (cached) return cached;
        const t = await transpileComponent(await bytes());
        await this.toDisk(digest, t).catch(() => undefined);
        return t;
      });
      this.transpiled.set(digest, p);
      p.catch(() => this.transpiled.delete(digest));
    }
    return p;
  }

  private folder(digest: string): string {
    return join(this.dir, digest.replace(/^sha256:/, ''));
  }

  private async fromDisk(digest: string): Promise<Transpiled | undefined> {
    const dir = this.folder(digest);
    try {
      const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as {
        format: number;
        modules: string[];
        imports: string[];
        fetchEvent: boolean;
        async: boolean;
      };
      if (meta.format !== GLUE_FORMAT) return undefined;
      const modules: Record<string, Uint8Array> = {};
      for (const m of meta.modules) modules[m] = new Uint8Array(await readFile(join(dir, m)));
      return {
        glue: await readFile(join(dir, 'glue.js'), 'utf8'),
        modules,
        imports: meta.imports,
        fetchEvent: meta.fetchEvent,
        async: meta.async,
      };
    } catch {
      return undefined;
    }
  }

  private async toDisk(digest: string, t: Transpiled): Promise<void> {
    const dir = this.folder(digest);
    const tmp = `${dir}.${process.pid}.tmp`;
    await mkdir(tmp, { recursive: true });
    for (const [name, code] of Object.entries(t.modules)) await writeFile(join(tmp, name), code);
    await writeFile(join(tmp, 'glue.js'), t.glue);
    await writeFile(
      join(tmp, 'meta.json'),
      JSON.stringify({
        format: GLUE_FORMAT,
        modules: Object.keys(t.modules),
        imports: t.imports,
        fetchEvent: t.fetchEvent,
        async: t.async,
      }),
    );
    await rename(tmp, dir).catch(() => undefined);
  }
}
