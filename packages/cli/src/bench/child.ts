import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A server the suite started, in its own process group so stopping it takes its children too. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Everything it printed so far (stdout + stderr), for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `cmd args` and resolves once a line of its output matches `ready` (e.g. "listening on"),
 * or rejects with the output if it exits first or `timeoutMs` passes.
 */
export function startChild(
  cmd: string,
  args: string[],
  ready: RegExp,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Child & { match: RegExpMatchArray }> {
  const proc = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const child: Child = {
    proc,
    pid: proc.pid ?? -1,
    output: () => out,
    stop: () => stopGroup(proc),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void child.stop();
      reject(
        new Error(`${cmd} ${args.join(' ')}: not ready after ${opts.timeoutMs ?? 60_000} ms\n${out.slice(-2000)}`),
      );
    }, opts.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.length > 1_000_000) out = out.slice(-100_000);
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ ...child, match: m });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`${cmd} ${args.join(' ')} exited (${code ?? signal}) before it was ready:\n${out.slice(-2000)}`),
      );
    });
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** SIGTERM to the group, SIGKILL after 5 s if it is still there. */
export function stopGroup(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-proc.pid!, sig);
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => kill('SIGKILL'), 5_000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    kill('SIGTERM');
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined off Linux. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 Hz on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
