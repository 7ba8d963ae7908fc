#!/usr/bin/env node
// The edge gateway as artefacts to copy to an edge node (docs/gateway.md, *Edge nodes*):
//   dist/edge/kedge-gateway.js  one ES module with every dependency inlined (`deno bundle`): runs
//                               with `deno run` and nothing else — no node_modules, no Node
//   dist/edge/kedge-gateway     one executable (`deno compile` of that bundle): not even Deno
// `--bundle-only` stops after the first. deno compile needs Deno's runtime-only binary (denort) of
// the same version: DENORT_BIN names a local copy, otherwise Deno downloads it from its release site.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(pkg, '../..');
const entry = join(pkg, 'dist/deno/main.js');
const out = join(pkg, 'dist/edge');
const bundle = join(out, 'kedge-gateway.js');
const binary = join(out, 'kedge-gateway');
// What the gateway needs and no more: NATS and runners (net), token file and blob cache (read, write),
// KEDGE_* (env), the host name for its default node id (sys).
const PERMISSIONS = ['--allow-net', '--allow-read', '--allow-write', '--allow-env', '--allow-sys'];

const deno = createRequire(import.meta.url)(join(root, 'node_modules/deno/install_api.cjs')).runInstall();
const run = (args) => {
  const r = spawnSync(deno, args, { cwd: pkg, stdio: 'inherit' });
  return r.status === 0;
};
const mb = (f) => `${(statSync(f).size / 1e6).toFixed(1)} MB`;

try {
  statSync(entry);
} catch {
  console.error(`build-edge: ${entry} is missing: run npm run build first`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
if (!run(['bundle', '--quiet', '--platform', 'deno', '--node-modules-dir=manual', '-o', bundle, entry]))
  process.exit(1);
console.log(`build-edge: ${bundle} (${mb(bundle)}) — run: deno run ${PERMISSIONS.join(' ')} kedge-gateway.js --nats …`);
if (process.argv.includes('--bundle-only')) process.exit(0);
if (!run(['compile', '--quiet', ...PERMISSIONS, '--no-check', '-o', binary, bundle])) {
  for (const f of readdirSync(out)) if (f.startsWith('kedge-gateway.tmp-')) rmSync(join(out, f), { force: true });
  console.error(
    "build-edge: deno compile failed. It needs denort (Deno's runtime-only binary, same version as `npx deno --version`): " +
      'give a local copy in DENORT_BIN, or let Deno download it from its release site. ' +
      `The bundle ${bundle} runs anywhere Deno does.`,
  );
  process.exit(1);
}
console.log(`build-edge: ${binary} (${mb(binary)}) — run: ./kedge-gateway --nats …`);
