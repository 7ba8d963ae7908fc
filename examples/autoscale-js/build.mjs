// Builds autoscale.js into build/autoscale.wasm with componentize-js (SpiderMonkey compiled to
// WebAssembly, with the script snapshotted in): ~15–35 s and ~0.8 GB of memory. `npm run build`
// (turbo) runs it and caches build/ by this package's files, so it runs again only when they change.
//
// componentize-js 0.22 embeds an engine that speaks WASI 0.2.10, while jco ships the WASI WIT at
// 0.2.12: the WIT is copied from jco and rewritten to 0.2.10 (minus the network-error-code feature
// gate that 0.2.10 does not know). componentize-js runs its splicer on preview2-shim, which it lists
// only as a dev dependency: this package brings it, the hook below points componentize-js at it, and
// since preview2-shim 0.26 preopens nothing it is given the root to read the WIT and the script.
import { createRequire, registerHooks } from 'node:module';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const WASI = '0.2.10';

registerHooks({
  resolve: (specifier, context, next) =>
    next(
      specifier,
      specifier.startsWith('@bytecodealliance/preview2-shim/') ? { ...context, parentURL: import.meta.url } : context,
    ),
});
const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
const { componentize } = await import('@bytecodealliance/componentize-js');
_setPreopens({ '/': '/' });

async function witWithDeps() {
  const jcoMain = createRequire(import.meta.url).resolve('@bytecodealliance/jco');
  const jcoWit = join(
    jcoMain.slice(0, jcoMain.lastIndexOf('/@bytecodealliance/jco/') + '/@bytecodealliance/jco/'.length),
    'lib/wit/builtin/0.2.12',
  );
  const wit = here('./build/wit');
  await rm(wit, { recursive: true, force: true });
  for (const dir of await readdir(jcoWit)) {
    const text = (await readFile(join(jcoWit, dir, 'package.wit'), 'utf8'))
      .replaceAll('0.2.12', WASI)
      .split('\n')
      .filter((l) => !l.includes('@unstable(feature = network-error-code)'))
      .join('\n');
    await mkdir(join(wit, 'deps', dir), { recursive: true });
    await writeFile(join(wit, 'deps', dir, 'package.wit'), text);
  }
  await writeFile(join(wit, 'world.wit'), await readFile(here('./wit/world.wit'), 'utf8'));
  return wit;
}

const t0 = Date.now();
const { component } = await componentize({
  sourcePath: here('./autoscale.js'),
  witPath: await witWithDeps(),
  worldName: 'autoscale',
});
await writeFile(here('./build/autoscale.wasm'), component);
console.log(
  `examples/autoscale-js/build/autoscale.wasm: ${component.length} bytes in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
