import { spawn, type ChildProcess } from 'node:child_process';
import { KEDGE_BIN, ROOT } from './harness.js';

/** One `kedge <role> --nats …` process, started and followed until its ready line. */
export interface RoleProcess {
  role: string;
  id: string;
  /** Listener URLs from the ready line (gateway, admin, api, runner). */
  urls: Record<string, string>;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM (graceful) or SIGKILL (a crash); resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const READY = /^kedge (\w+) ready id=(\S+) node=\S+(.*)$/m;

/** Every role process started here, ready or not, so a failed setup leaves none behind. */
const spawned = new Set<ChildProcess>();

export async function killAllRoles(): Promise<void> {
  await Promise.all(
    [...spawned].map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      return gone;
    }),
  );
}

export function startRole(
  role: string,
  args: string[],
  readyTimeoutMs = 20_000,
  env: Record<string, string> = {},
): Promise<RoleProcess> {
  const child = spawn(
    process.execPath,
    [KEDGE_BIN, role, ...args, '--log-level', process.env.KEDGE_TEST_LOG_LEVEL ?? 'warn'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  let out = '';
  spawned.add(child);
  const exited = new Promise<number | null>((res) =>
    child.once('exit', (code) => {
      spawned.delete(child);
      res(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kedge ${role} not ready within ${readyTimeoutMs} ms:\n${out}`));
    }, readyTimeoutMs);
    let ready = false;
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = READY.exec(out);
      if (!ready && m) {
        ready = true;
        clearTimeout(timer);
        const urls: Record<string, string> = {};
        for (const [, k, v] of m[3]!.matchAll(/ (\w+)=(\S+)/g)) urls[k!] = v!;
        resolve({
          role,
          id: m[2]!,
          urls,
          child,
          output: () => out,
          exited,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    void exited.then((code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`kedge ${role} exited (${code}) before it was ready:\n${out}`));
      }
    });
  });
}
