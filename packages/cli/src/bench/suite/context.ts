import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Child } from '../child.js';
import type { SuiteResult } from '../result.js';
import type { SuiteOptions } from './options.js';

/** What every step of the suite shares: where things are, where they go, what could not be measured. */
export interface SuiteContext {
  opts: SuiteOptions;
  root: string;
  /** The built `kedge` CLI (packages/cli/dist/bin.js). */
  cli: string;
  /** The hello component every baseline and the hello service serve. */
  component: string;
  /** examples/helloworld/service.yaml: the hello service. */
  manifest: string;
  /** bench-out/: raw JSON and the tools' own charts, not committed. */
  outDir: string;
  /** The docs' bench/ folder: the charts the page shows. */
  svgDir: string;
  log: (msg: string) => void;
  /** Names a figure this run could not take, with the first line of why; the page lists them. */
  missing: (what: string, why: unknown) => void;
  notMeasured: SuiteResult['notMeasured'];
  /** The charts the page shows by name (the cold-start and load-from-zero ones). */
  svgs: SuiteResult['svgs'];
  /** Writes a chart into the docs' bench/ folder; returns its path as the page links it. */
  writeSvg: (name: string, content: string | Uint8Array) => Promise<string>;
  /** The docs folder's view of a path. */
  rel: (p: string) => string;
  /** The servers started for this run, stopped (last first) by stopChildren. */
  children: Child[];
  stopChildren: () => Promise<void>;
  /** A temp dir to remove once every child has stopped. */
  removeAtEnd: (dir: string) => void;
  /** Stops every child, then removes the temp dirs. */
  finish: () => Promise<void>;
}

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

export async function createSuiteContext(opts: SuiteOptions, root: string): Promise<SuiteContext> {
  const outDir = join(root, 'bench-out');
  const svgDir = resolve(root, opts.docs, 'bench');
  await mkdir(outDir, { recursive: true });
  await mkdir(svgDir, { recursive: true });
  await removeOwnCharts(opts, svgDir);
  const rel = (p: string) => relative(resolve(root, opts.docs), p);
  const notMeasured: SuiteResult['notMeasured'] = [];
  const children: Child[] = [];
  const tempDirs: string[] = [];
  const stopChildren = async () => {
    for (const c of children.splice(0).reverse()) await c.stop();
  };
  return {
    opts,
    root,
    cli: join(root, 'packages/cli/dist/bin.js'),
    component: join(root, 'examples/helloworld/build/helloworld.wasm'),
    manifest: join(root, 'examples/helloworld/service.yaml'),
    outDir,
    svgDir,
    log,
    missing: (what, why) => {
      const msg = why instanceof Error ? why.message.split('\n')[0]! : String(why);
      log(`not measured: ${what}: ${msg}`);
      notMeasured.push({ what, why: msg });
    },
    notMeasured,
    svgs: {},
    writeSvg: async (name, content) => {
      await writeFile(join(svgDir, name), content);
      return rel(join(svgDir, name));
    },
    rel,
    children,
    stopChildren,
    removeAtEnd: (dir) => tempDirs.push(dir),
    finish: async () => {
      await stopChildren();
      for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/**
 * Charts of the previous run go: a chart this run cannot draw must not stay behind looking current.
 * With --waiting-only, only the waiting section's charts (--edge-only draws none): the rest of the page stays.
 */
async function removeOwnCharts(opts: SuiteOptions, svgDir: string): Promise<void> {
  const own = (f: string) =>
    f.endsWith('.svg') && !opts.edgeOnly && (!opts.waitingOnly || /^(waiting-guest|service-to-service)/.test(f));
  for (const f of await readdir(svgDir)) if (own(f)) await rm(join(svgDir, f));
}
