import { execFile, spawn } from 'node:child_process';

import {
  EngineUnavailableError,
  type ContainerEngine,
  type ContainerExit,
  type ContainerSpec,
  type RunningContainer,
} from './engine.js';

export interface PodmanOptions {
  /** The podman binary (default `podman` on PATH). */
  binary?: string;
  /**
   * Flags put before every `run` (default: `--init`, so SIGTERM reaches an app that is not PID 1 and
   * has no handler — catatonit; the OCI runtime and rlimits this host needs:
   * `--runtime runc`, as crun fails on hosts with hybrid cgroups; and nofile/nproc limits below the
   * host's hard limits, which podman's defaults exceed in some sandboxes).
   */
  runFlags?: string[];
}

export const DEFAULT_PODMAN_RUN_FLAGS = [
  '--init',
  '--runtime',
  'runc',
  '--ulimit',
  'nofile=20000:20000',
  '--ulimit',
  'nproc=4096:4096',
];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Podman through its CLI. Containers get slirp4netns networking with the serving port published
 * on 127.0.0.1 only: unlike the default bridge (CNI or netavark), it leaves no iptables chains or
 * bridge interface behind, and it started a container faster here (docs/runner.md has the figures).
 */
export class PodmanEngine implements ContainerEngine {
  readonly name = 'podman';
  private readonly binary: string;
  private readonly runFlags: string[];

  constructor(opts: PodmanOptions = {}) {
    this.binary = opts.binary ?? 'podman';
    this.runFlags = opts.runFlags ?? DEFAULT_PODMAN_RUN_FLAGS;
  }

  async version(): Promise<string> {
    let r: Result;
    try {
      // `--version` touches no storage: it answers at once even while other podman calls hold its locks.
      r = await this.exec(['--version']);
    } catch (err) {
      throw new EngineUnavailableError(
        `${this.binary} is not installed (${(err as Error).message}): install podman and runc (Debian: apt-get install podman runc)`,
      );
    }
    if (r.code !== 0) throw new EngineUnavailableError(`${this.binary} does not work here: ${firstLine(r.stderr)}`);
    return r.stdout.trim().replace(/^podman version /, '');
  }

  async hasImage(ref: string): Promise<boolean> {
    return (await this.exec(['image', 'exists', ref])).code === 0;
  }

  async pull(ref: string): Promise<void> {
    const r = await this.exec(['pull', '--quiet', ref]);
    if (r.code !== 0) throw new Error(firstLine(r.stderr) || `podman pull exited with ${r.code}`);
  }

  async run(
    spec: ContainerSpec,
    output: (stream: 'stdout' | 'stderr', chunk: string) => void,
  ): Promise<RunningContainer> {
    const args = ['run', '--name', spec.name, '--sig-proxy=false', '--network', 'slirp4netns', ...this.runFlags];
    args.push('-p', `127.0.0.1:${spec.hostPort}:${spec.containerPort}`);
    for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`);
    for (const [k, v] of spec.env) args.push('--env', `${k}=${v}`);
    if (spec.memoryBytes !== undefined)
      args.push('--memory', String(spec.memoryBytes), '--memory-swap', String(spec.memoryBytes));
    if (spec.cpus !== undefined) args.push('--cpus', String(spec.cpus));
    if (spec.workingDir) args.push('--workdir', spec.workingDir);
    if (spec.command?.length) args.push('--entrypoint', JSON.stringify(spec.command));
    args.push(spec.image, ...(spec.args ?? []));
    // Attached: podman's own stdout/stderr are the container's, and its exit is the container's.
    const child = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (d: string) => output('stdout', d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => output('stderr', d));
    const ended = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    const exited = ended.then(async (code): Promise<ContainerExit> => {
      const oom = await this.exec(['inspect', '--format', '{{.State.OOMKilled}}', spec.name]).catch(() => undefined);
      await this.exec(['rm', '--force', '--time', '0', spec.name]).catch(() => undefined);
      return { code, oomKilled: oom?.stdout.trim() === 'true' };
    });
    return {
      name: spec.name,
      stopped: ended.then(() => undefined),
      exited,
      pid: async () => {
        const r = await this.exec(['inspect', '--format', '{{.State.Pid}}', spec.name]).catch(() => undefined);
        const pid = Number(r?.stdout.trim());
        return r?.code === 0 && pid > 0 ? pid : undefined;
      },
      stop: async (graceSeconds: number) => {
        await this.exec(['stop', '--time', String(Math.max(0, Math.ceil(graceSeconds))), spec.name]).catch(
          () => undefined,
        );
        await exited;
      },
    };
  }

  async removeLabelled(labels: Record<string, string>): Promise<number> {
    const filters = Object.entries(labels).flatMap(([k, v]) => ['--filter', `label=${k}=${v}`]);
    const r = await this.exec(['ps', '--all', '--quiet', ...filters]);
    const ids = r.stdout.split('\n').filter(Boolean);
    if (ids.length) await this.exec(['rm', '--force', '--time', '0', ...ids]);
    return ids.length;
  }

  private exec(args: string[]): Promise<Result> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err);
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });
  }
}

function firstLine(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .find(Boolean)
      ?.replace(/^Error: /, '') ?? ''
  );
}
