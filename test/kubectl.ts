import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, kedge, onPath, writeFile } from './harness.js';

/** The real kubectl (≥ 1.29: older ones need OpenAPI v2): $KUBECTL, else the first on PATH. */
export const KUBECTL = process.env.KUBECTL ?? onPath('kubectl');
/** For `useKedgeUp({ needs })`: the test fails loudly without kubectl. */
export const NEEDS_KUBECTL = [KUBECTL, 'kubectl must be installed for this test (or $KUBECTL set)'] as const;

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** A long-running kubectl (`get -w`, `logs -f`): its output so far, and a way to wait for a line. */
export interface Streaming {
  child: ChildProcess;
  output(): string;
  /** Resolves once the output matches (checked on every chunk: no polling). */
  until(re: RegExp): Promise<string>;
  stop(): void;
}

/** Where a `kedge up` runs: its API, its data directory (token and certificate) and a directory for files. */
export interface KubectlTarget {
  apiUrl: string;
  dataDir: string;
  dir: string;
}

/** kubectl with the kubeconfig `kedge config kubeconfig` prints for this `kedge up` (`printed`: what it said). */
export async function kubectlFor(up: KubectlTarget, namespace = 'default') {
  const { dataDir, dir } = up;
  // As a user would: the token and the API's certificate are beside each other in the data directory.
  const printed = await kedge(['--token-file', join(dataDir, 'token'), 'config', 'kubeconfig', '-n', namespace], {
    api: up.apiUrl,
  });
  if (printed.code !== 0) throw new Error(`kedge config kubeconfig failed: ${printed.stderr}`);
  const kubeconfig = writeFile(dir, `kubeconfig-${namespace}`, printed.stdout);
  const base = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kube-cache')];
  const kubectl = (args: string[], env: Record<string, string> = {}) => run(KUBECTL, [...base, ...args], env);
  const stream = (args: string[]): Streaming => {
    const child = spawn(KUBECTL, [...base, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
    const check = () => {
      for (const w of [...waiters])
        if (w.re.test(out)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(out);
        }
    };
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      check();
    });
    child.stderr!.on('data', (b: Buffer) => {
      out += b.toString();
      check();
    });
    return {
      child,
      output: () => out,
      until: (re) =>
        new Promise((resolve) => {
          waiters.push({ re, resolve });
          check();
        }),
      stop: () => {
        if (child.exitCode === null) child.kill('SIGTERM');
      },
    };
  };
  return { printed, kubeconfig, kubectl, stream };
}
