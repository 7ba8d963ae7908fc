// Builds the caller component: WAT → core module → embed the WIT world → component.
// jco's wasm-tools run as WebAssembly on preview2-shim, which preopens nothing since 0.26: give it
// the root so it can read wit/ (the same workaround `jco` itself needs on this Node).
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';
import { createRequire } from 'node:module';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// The shim instance that matters is the one jco-transpile's wasm-tools import (npm may nest it).
const fromJco = createRequire(createRequire(import.meta.url).resolve('@bytecodealliance/jco'));
const fromTranspile = createRequire(fromJco.resolve('@bytecodealliance/jco-transpile'));
const { _setPreopens } = await import(fromTranspile.resolve('@bytecodealliance/preview2-shim/filesystem'));
_setPreopens({ '/': '/' });
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const core = await parse(await readFile(here('./caller.wat'), 'utf8'));
const embedded = await componentEmbed({ binary: core, witPath: here('./wit'), world: 'caller' });
const component = await componentNew(embedded);
await mkdir(here('./build'), { recursive: true });
await writeFile(here('./build/caller.wasm'), component);
console.log(`examples/caller/build/caller.wasm: ${component.length} bytes`);
