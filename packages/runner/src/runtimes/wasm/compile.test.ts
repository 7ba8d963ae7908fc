import { describe, expect, it } from 'vitest';
import { looksLikeFetchEventGuest, patchGlue, transpileComponent } from './compile.js';
import { buildCpuGuest, buildOutboundGuest, buildTestGuest } from '../../testing/components.js';
import { evaluateGlue, incomingRequest, instantiateGuest } from './guest.js';
import {
  Fields,
  FutureIncomingResponse,
  IncomingResponse,
  ResponseOutparam,
  hostImports,
  type ResponseSink,
} from './host/index.js';
import { canWait, coreImports } from './waiting.js';
import { capMemory } from './memory-limit.js';

describe('jco glue patch', () => {
  it('drops the WebAssembly.promising probes and the JCO_DEBUG reads, and un-exports instantiate', () => {
    const glue = `"use components";
export function instantiate(getCoreModule, imports) {
  const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }
    console.debug(...args);
  };
  try {
    realloc0Async = WebAssembly.promising(exports1.cabi_realloc);
  } catch(err) {
    realloc0Async = exports1.cabi_realloc;
  }
}
export const _util = {};`;
    const out = patchGlue(glue);
    expect(out).not.toMatch(/WebAssembly\.promising|JCO_DEBUG|^export /m);
    expect(out).toContain('realloc0Async = exports1.cabi_realloc;');
    expect(new Function(`${out}\nreturn instantiate;`)()).toBeTypeOf('function');
  });
});

describe('jco glue: sync host imports skip the async task bookkeeping', () => {
  it('calls every host import of a guest that cannot wait straight through and keeps no set of reps', async () => {
    const { glue, async } = await transpileComponent(await buildCpuGuest());
    expect(async).toBe(false);
    // Each host import (fields, outgoing-response, body, stream write, …) uses the stand-in task.
    expect(glue.match(/const task = _kedgeSyncTask;/g)?.length).toBeGreaterThanOrEqual(5);
    expect(glue).not.toMatch(/const hostProvided = true;/);
    expect(glue).toContain(
      'if (!args.isManualAsync && !args.isAsync && !args.funcTypeIsAsync) return args.importFn(...params);',
    );
    expect(glue).not.toMatch(/_createdReps\.add/);
    expect(new Function(`${glue}\nreturn instantiate;`)()).toBeTypeOf('function');
  });

  it('calls a sync export without a task when nothing in the component is async', async () => {
    const { glue } = await transpileComponent(await buildCpuGuest());
    // The one left is inside jco's async machinery, which only async code reaches.
    expect(glue.match(/createNewCurrentTask\(\{/g)?.length).toBe(1);
    expect(glue).not.toMatch(/const \[task, _wasm_call_currentTaskID\]/);
  });

  it("makes each instance's async state at instantiation, not in its first request", async () => {
    const { glue } = await transpileComponent(await buildCpuGuest());
    expect(glue).toMatch(/const maybeSyncReturn = runNext\(null\);\ngetOrCreateAsyncState\(0\);/);
  });

  it('keeps the export tasks of a component that has anything async', () => {
    const exportCall = `const hostProvided = false;
const [task, _wasm_call_currentTaskID] = createNewCurrentTask({
  componentIdx: 0,
  isAsync: false,
  callingWasmExport: true,
});
task.setCalleeIsAsync(false);
const started = task.enterSync();`;
    const wrapper = 'function _lowerImportBackwardsCompat(args) {\n  const params = [...arguments].slice(1);\n}\n';
    expect(patchGlue(wrapper + exportCall)).not.toContain('createNewCurrentTask');
    expect(patchGlue(`${wrapper}${exportCall}\nconst other = { isAsync: true };`)).toContain('createNewCurrentTask');
  });

  it('leaves glue of another shape alone', () => {
    const other = 'function _lowerImportBackwardsCompat(a, b) {}\nfunction instantiate() {}';
    expect(patchGlue(other)).toBe(other);
  });
});

const sinkOf = (out: { status?: number; body: string; failed?: string }): ResponseSink => ({
  open: true,
  head: (status) => void (out.status = status),
  chunk: (bytes) => void (out.body += new TextDecoder().decode(bytes)),
  end() {},
  fail: (message) => void (out.failed = message),
});

/** A guest transpiled and its core modules compiled, as the wasm runtime holds it (JSPI on). */
async function compiledGuest(component: Uint8Array) {
  const { glue, modules } = await transpileComponent(component);
  const compiled = {
    key: 'k',
    glue,
    fetchEvent: false,
    async: true,
    modules: Object.fromEntries(
      await Promise.all(Object.entries(modules).map(async ([n, b]) => [n, await WebAssembly.compile(b)] as const)),
    ),
  };
  return { glue, compiled };
}

/** wasi:http's incoming-request for `method path` with `body` (more to come when `more` is given). */
const guestRequest = (
  method: string,
  pathWithQuery: string,
  body = new Uint8Array(0),
  more?: () => Promise<Uint8Array | null>,
) =>
  incomingRequest(
    { method, pathWithQuery, scheme: 'http', authority: 'x', headers: [], body, bodyMore: more !== undefined },
    more,
  );

describe('jco glue: a guest that can wait is transpiled with JSPI', () => {
  it('decides from the core modules what the component imports', async () => {
    expect((await transpileComponent(await buildTestGuest())).async).toBe(true);
    expect((await transpileComponent(await buildOutboundGuest())).async).toBe(true);
    expect((await transpileComponent(await buildCpuGuest())).async).toBe(false);
    // (module (import "wasi:io/poll@0.2.12" "poll" (func (param i32 i32 i32))))
    const name = (s: string) => [s.length, ...new TextEncoder().encode(s)];
    const types = [1, 7, 1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0];
    const imports = [1, ...name('wasi:io/poll@0.2.12'), ...name('poll'), 0, 0];
    const mod = Uint8Array.from([
      0,
      0x61,
      0x73,
      0x6d,
      1,
      0,
      0,
      0,
      1,
      types.length - 1,
      ...types.slice(1),
      2,
      imports.length,
      ...imports,
    ]);
    expect(coreImports(mod)).toEqual(['wasi:io/poll@0.2.12#poll']);
    expect(canWait([mod])).toBe(true);
  });

  it('keeps the sync-import speedup per trampoline and hooks the entry and the suspending imports', async () => {
    const { glue } = await transpileComponent(await buildTestGuest());
    // Sync imports beside async ones still skip the task bookkeeping...
    expect(glue.match(/const task = _kedgeSyncTask;/g)?.length).toBeGreaterThanOrEqual(5);
    // ...while each async trampoline keeps its own (it awaits task.enter and needs its subtask).
    expect(glue).toMatch(/const hostProvided = true;[\s\S]*?await task\.enter\(/);
    expect(glue).toMatch(
      /= _kedgeEntry\(imports, WebAssembly\.promising\(exports\d+\['wasi:http\/incoming-handler@0\.2\.12#handle'\]\)\);/,
    );
    expect(glue).not.toContain('new WebAssembly.Suspending(_suspendingImport');
  });

  it('serves a waiting guest whose sync imports follow an async one (sleep, body read), several instances at once', async () => {
    const { glue, compiled } = await compiledGuest(await buildTestGuest());
    const instantiate = evaluateGlue(glue);
    // Counts the guests suspended at the same moment: waiting together, not one after the other.
    let waiting = 0;
    let mostWaiting = 0;
    const waits = {
      async: true,
      suspend: <T>(p: Promise<T>) => {
        mostWaiting = Math.max(mostWaiting, ++waiting);
        return p.finally(() => waiting--);
      },
    };
    const handlers = [0, 1, 2].map(() =>
      instantiateGuest(
        instantiate,
        compiled,
        hostImports({ env: [], stdout: { write() {}, open: true }, stderr: { write() {}, open: true }, waits }),
      ),
    );
    const outs = handlers.map(() => ({ body: '' }) as { status?: number; body: string; failed?: string });
    await Promise.all(
      handlers.map((h, i) =>
        h.handle(
          guestRequest('GET', i === 2 ? '/block?ms=50' : '/sleep?ms=50'),
          new ResponseOutparam(sinkOf(outs[i]!)),
        ),
      ),
    );
    // Three instances waited at once: not one after the other.
    expect(mostWaiting).toBe(3);
    expect(outs.map((o) => o.body)).toEqual(['slept\n', 'slept\n', 'slept\n']);
    // A body read that waits for the next chunk.
    const echo = { body: '' } as { status?: number; body: string };
    const chunks = ['second ', 'third'];
    const more = () =>
      new Promise<Uint8Array | null>((r) =>
        setTimeout(() => r(chunks.length ? new TextEncoder().encode(chunks.shift()!) : null), 5),
      );
    await handlers[0]!.handle(
      guestRequest('POST', '/echo', new TextEncoder().encode('first '), more),
      new ResponseOutparam(sinkOf(echo)),
    );
    expect(echo.body).toBe('first second third');
  });

  it('serves an outbound call whose answer is a Promise (an async resource-method import)', async () => {
    const { glue, compiled } = await compiledGuest(await buildOutboundGuest());
    const answer = () =>
      new FutureIncomingResponse(
        () =>
          new Promise((r) =>
            setTimeout(
              () =>
                r({
                  tag: 'ok',
                  val: new IncomingResponse(200, Fields.frozen([]), new TextEncoder().encode('from upstream')),
                }),
              20,
            ),
          ),
      );
    const imports = hostImports({
      env: [['UPSTREAM', 'up.example']],
      stdout: { write() {}, open: true },
      stderr: { write() {}, open: true },
      waits: { async: true, suspend: (p) => p },
      outbound: answer,
    });
    const handler = instantiateGuest(evaluateGlue(glue), compiled, imports);
    const out = { body: '' } as { status?: number; body: string; failed?: string };
    await handler.handle(guestRequest('GET', '/'), new ResponseOutparam(sinkOf(out)));
    expect(out).toEqual({ status: 200, body: 'from upstream' });
  });
});

describe('fetch-event detection', () => {
  it('recognises a StarlingMonkey fetch listener in the component bytes', () => {
    const enc = (s: string) => new TextEncoder().encode(`\0asm....${s}....`);
    expect(looksLikeFetchEventGuest(enc(`addEventListener("fetch", (e) => e.respondWith(r))`))).toBe(true);
    expect(looksLikeFetchEventGuest(enc(`export const incomingHandler = { handle() {} }`))).toBe(false);
  });
});

describe('memory cap', () => {
  // (module (memory 1)) and (module (memory 2 100))
  const mod = (limits: number[]) =>
    Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, limits.length + 1, 1, ...limits]);

  it('adds a maximum where there was none and lowers a larger one', () => {
    expect([...capMemory(mod([0, 1]), 16)].slice(8)).toEqual([5, 4, 1, 1, 1, 16]);
    expect([...capMemory(mod([1, 2, 100]), 16)].slice(8)).toEqual([5, 4, 1, 1, 2, 16]);
    expect(() => new WebAssembly.Module(capMemory(mod([0, 1]), 16))).not.toThrow();
  });

  it('refuses a module that needs more than the cap at start', () => {
    expect(() => capMemory(mod([0, 32]), 16)).toThrow(/needs 32 pages/);
  });
});
