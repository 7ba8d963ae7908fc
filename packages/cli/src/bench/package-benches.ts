import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stopGroup } from './child.js';
import type { SuiteResult } from './result.js';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/**
 * Runs every package's "bench" script (packages/* other than cli), bounded to 3 minutes each. A script
 * may write figures as JSON to $KEDGE_BENCH_JSON: `{ "figures": [{ "name", "value", "unit", "goal"?, "command"? }] }`;
 * otherwise the tail of its output goes into the report as is.
 */
export async function runPackageBenches(root: string, outDir: string): Promise<SuiteResult['packages']> {
  const out: SuiteResult['packages'] = [];
  for (const dir of (await readdir(join(root, 'packages'))).sort()) {
    const pkgFile = join(root, 'packages', dir, 'package.json');
    if (dir === 'cli' || !existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string; scripts?: Record<string, string> };
    if (!pkg.scripts?.bench) continue;
    const jsonFile = join(outDir, `package-${dir}.json`);
    await rm(jsonFile, { force: true });
    log(`package bench: ${pkg.name} (${pkg.scripts.bench})`);
    const t0 = performance.now();
    const { code, output } = await runBounded(
      'npm',
      ['run', 'bench', '-w', pkg.name],
      root,
      { ...process.env, KEDGE_BENCH_JSON: jsonFile },
      180_000,
    );
    let figures: SuiteResult['packages'][number]['figures'] | undefined;
    if (existsSync(jsonFile)) {
      try {
        figures = (JSON.parse(await readFile(jsonFile, 'utf8')) as { figures?: unknown[] })
          .figures as SuiteResult['packages'][number]['figures'];
      } catch {
        /* the output tail is shown instead */
      }
    }
    out.push({
      name: pkg.name,
      command: `npm run bench -w ${pkg.name}`,
      exitCode: code,
      seconds: (performance.now() - t0) / 1000,
      ...(figures ? { figures } : {}),
      // npm's own "> script" lines and long JSON dumps stay in bench-out/suite.json only.
      outputTail: output
        .split('\n')
        .filter((l) => l.trim() && !l.startsWith('>') && !(l.startsWith('{') && l.length > 300))
        .slice(-25)
        .join('\n'),
      output: output.slice(-20_000),
    });
  }
  return out;
}

/** Runs a command in its own process group, output captured, stopped after `timeoutMs`. */
export function runBounded(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise) => {
    const proc = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const add = (c: Buffer) => {
      output += c.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    proc.stdout!.on('data', add);
    proc.stderr!.on('data', add);
    const timer = setTimeout(() => {
      output += `\n(stopped after ${timeoutMs / 1000} s)`;
      void stopGroup(proc);
    }, timeoutMs);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
    proc.once('error', (err) => {
      clearTimeout(timer);
      resolvePromise({ code: -1, output: String(err) });
    });
  });
}
