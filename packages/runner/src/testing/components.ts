import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The WIT the hello example builds against (wasi 0.2.12 plus wasi:cli/environment). */
export const HELLO_WIT = fileURLToPath(new URL('../../../../examples/helloworld/wit', import.meta.url));

let preopened = false;
/** jco's wasm-tools run on preview2-shim, which preopens nothing since 0.26; they need to read WIT. */
async function preopen(): Promise<void> {
  if (preopened) return;
  const fromJco = createRequire(createRequire(import.meta.url).resolve('@bytecodealliance/jco'));
  const fromTranspile = createRequire(fromJco.resolve('@bytecodealliance/jco-transpile'));
  const fs = (await import(fromTranspile.resolve('@bytecodealliance/preview2-shim/filesystem'))) as {
    _setPreopens(p: Record<string, string>): void;
  };
  fs._setPreopens({ '/': '/' });
  preopened = true;
}

/** WAT → wasi:http component, the way examples/helloworld/build.mjs does it (about a second). */
export async function buildComponent(wat: string, world = 'hello', witPath = HELLO_WIT): Promise<Uint8Array> {
  await preopen();
  const core = await parse(wat);
  return componentNew(await componentEmbed({ binary: core, witPath, world }));
}

/** The runner's test guest (src/testing/guest.wat): hello, plus /trap /loop /grow /env /log /sleep… — it can wait (JSPI). */
export async function buildTestGuest(): Promise<Uint8Array> {
  return buildComponent(await readFile(fileURLToPath(new URL('./guest.wat', import.meta.url)), 'utf8'));
}

/** A guest that cannot wait (src/testing/cpu-guest.wat): hello, /loop, /count — the synchronous path. */
export async function buildCpuGuest(): Promise<Uint8Array> {
  return buildComponent(await readFile(fileURLToPath(new URL('./cpu-guest.wat', import.meta.url)), 'utf8'));
}

/** A guest that GETs http://$UPSTREAM/ and answers with the body, or "error N" (src/testing/outbound.wat). */
export async function buildOutboundGuest(): Promise<Uint8Array> {
  return buildComponent(await readFile(fileURLToPath(new URL('./outbound.wat', import.meta.url)), 'utf8'));
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Guest workers run the built worker script (dist/): tests build the package first when src/ is
 * newer. flock serialises test files that get here at the same time.
 */
export async function ensureRunnerBuilt(): Promise<void> {
  const worker = join(PACKAGE_ROOT, 'dist/runtimes/wasm/worker.js');
  const built = await stat(worker)
    .then((s) => s.mtimeMs)
    .catch(() => 0);
  if (built >= newest(join(PACKAGE_ROOT, 'src'))) return;
  execFileSync('flock', ['/tmp/kedge-runner-build.lock', 'npx', 'tsc', '-p', PACKAGE_ROOT], { stdio: 'inherit' });
}
