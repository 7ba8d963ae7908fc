import { spawnSync } from 'node:child_process';
import type { SuiteResult } from '../result.js';
import { median } from '../stats.js';
import type { SuiteContext } from '../suite/context.js';
import type { Target } from './target.js';

/** The load tool's own cost: wrk on the bare server in every round, just before ours. */
export function wrkBeside(ctx: SuiteContext, bare: Target) {
  const { connections, loadMs } = ctx.opts;
  const installed = !spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error;
  const seconds = Math.max(2, Math.round(loadMs / 1000));
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, bare.url];
  const runs: number[] = [];
  return {
    /** One wrk run, when wrk is installed. */
    round(): void {
      if (!installed) return;
      const out = spawnSync('wrk', args, { encoding: 'utf8', timeout: (seconds + 10) * 1000 });
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout ?? '');
      if (m) runs.push(Number(m[1]));
    },
    /** The median of the rounds; wrk missing is named as not measured (it is optional). */
    result(): SuiteResult['wrk'] {
      if (runs.length) return { rps: median(runs), command: `wrk ${args.join(' ')}`, runs };
      if (!installed) ctx.missing('load tool vs wrk', 'wrk is not installed (apt-get install wrk); optional');
      return undefined;
    },
  };
}
