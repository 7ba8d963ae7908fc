import { describe, expect, it } from 'vitest';
import { looksLikeFetchEventGuest, patchGlue, transpileComponent } from './compile.js';
import { buildTestGuest } from '../../testing/components.js';
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
  it('calls every host import of the test guest straight through and keeps no set of reps', async () => {
    const { glue } = await transpileComponent(await buildTestGuest());
    // Each host import (fields, outgoing-response, body, stream write, …) uses the stand-in task.
    expect(glue.match(/const task = _kedgeSyncTask;/g)?.length).toBeGreaterThanOrEqual(5);
    expect(glue).not.toMatch(/const hostProvided = true;/);
    expect(glue).toContain('if (!args.isManualAsync && !args.isAsync && !args.funcTypeIsAsync) return args.importFn(...params);');
    expect(glue).not.toMatch(/_createdReps\.add/);
    expect(new Function(`${glue}\nreturn instantiate;`)()).toBeTypeOf('function');
  });

  it('calls a sync export without a task when nothing in the component is async', async () => {
    const { glue } = await transpileComponent(await buildTestGuest());
    // The one left is inside jco's async machinery, which only async code reaches.
    expect(glue.match(/createNewCurrentTask\(\{/g)?.length).toBe(1);
    expect(glue).not.toMatch(/const \[task, _wasm_call_currentTaskID\]/);
  });

  it("makes each instance's async state at instantiation, not in its first request", async () => {
    const { glue } = await transpileComponent(await buildTestGuest());
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

describe('fetch-event detection', () => {
  it('recognises a StarlingMonkey fetch listener in the component bytes', () => {
    const enc = (s: string) => new TextEncoder().encode(`\0asm....${s}....`);
    expect(looksLikeFetchEventGuest(enc(`addEventListener("fetch", (e) => e.respondWith(r))`))).toBe(true);
    expect(looksLikeFetchEventGuest(enc(`export const incomingHandler = { handle() {} }`))).toBe(false);
  });
});

describe('memory cap', () => {
  // (module (memory 1)) and (module (memory 2 100))
  const mod = (limits: number[]) => Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, limits.length + 1, 1, ...limits]);

  it('adds a maximum where there was none and lowers a larger one', () => {
    expect([...capMemory(mod([0, 1]), 16)].slice(8)).toEqual([5, 4, 1, 1, 1, 16]);
    expect([...capMemory(mod([1, 2, 100]), 16)].slice(8)).toEqual([5, 4, 1, 1, 2, 16]);
    expect(() => new WebAssembly.Module(capMemory(mod([0, 1]), 16))).not.toThrow();
  });

  it('refuses a module that needs more than the cap at start', () => {
    expect(() => capMemory(mod([0, 32]), 16)).toThrow(/needs 32 pages/);
  });
});
