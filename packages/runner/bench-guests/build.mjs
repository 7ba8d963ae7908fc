// Builds the JS (componentize-js / StarlingMonkey) hello guests for `BENCH_GUESTS` — not part of the
// normal build: ~25 s and ~0.8 GB each. Usage: node packages/runner/bench-guests/build.mjs [outDir]
//
// componentize-js 0.22's engine speaks WASI 0.2.10: jco's 0.2.12 WIT is rewritten to 0.2.10 (minus the
// network-error-code feature gate). Its splicer imports a preview2-shim that npm does not install at
// the root here, so the build runs from a temp dir whose node_modules links the root's packages plus
// jco's preview2-shim (and preopens `/`, which preview2-shim 0.26 no longer does by default).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../../..');
const out = resolve(process.argv[2] ?? join(root, 'bench-out'));
const work = mkdtempSync(join(tmpdir(), 'kedge-js-guest-'));
const nm = join(root, 'node_modules');

const wit = join(work, 'wit');
for (const dir of readdirSync(join(nm, '@bytecodealliance/jco/lib/wit/builtin/0.2.12'))) {
  const text = readFileSync(join(nm, '@bytecodealliance/jco/lib/wit/builtin/0.2.12', dir, 'package.wit'), 'utf8')
    .replaceAll('0.2.12', '0.2.10')
    .split('\n')
    .filter((l) => !l.includes('@unstable(feature = network-error-code)'))
    .join('\n');
  mkdirSync(join(wit, 'deps', dir), { recursive: true });
  writeFileSync(join(wit, 'deps', dir, 'package.wit'), text);
}
writeFileSync(
  join(wit, 'world.wit'),
  'package kedge:hellojs;\n\nworld hello {\n  include wasi:http/proxy@0.2.10;\n  import wasi:cli/environment@0.2.10;\n}\n',
);

mkdirSync(join(work, 'node_modules/@bytecodealliance'), { recursive: true });
for (const e of readdirSync(nm)) if (e !== '@bytecodealliance') symlinkSync(join(nm, e), join(work, 'node_modules', e));
for (const e of readdirSync(join(nm, '@bytecodealliance')))
  symlinkSync(join(nm, '@bytecodealliance', e), join(work, 'node_modules/@bytecodealliance', e));
symlinkSync(
  join(nm, '@bytecodealliance/jco/node_modules/@bytecodealliance/preview2-shim'),
  join(work, 'node_modules/@bytecodealliance/preview2-shim'),
);

for (const f of ['hello-handler.js', 'hello-fetch.js']) cpSync(join(here, f), join(work, f));
writeFileSync(
  join(work, 'build.mjs'),
  `import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { componentize } from '@bytecodealliance/componentize-js';
import { mkdirSync, writeFileSync } from 'node:fs';
_setPreopens({ '/': '/' });
mkdirSync(${JSON.stringify(out)}, { recursive: true });
for (const name of ['hello-handler', 'hello-fetch']) {
  const t0 = Date.now();
  const { component } = await componentize({ sourcePath: ${JSON.stringify(work)} + '/' + name + '.js', witPath: ${JSON.stringify(wit)}, worldName: 'hello' });
  writeFileSync(${JSON.stringify(out)} + '/' + name + '.wasm', component);
  console.log(${JSON.stringify(out)} + '/' + name + '.wasm', component.length, 'bytes', Date.now() - t0, 'ms');
}
`,
);
const r = spawnSync(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', join(work, 'build.mjs')], {
  stdio: 'inherit',
  cwd: work,
});
process.exit(r.status ?? 1);
