import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { connectNatsBus, type NatsBus } from '@kedge/core';
import { startNatsServer, type NatsServer } from '@kedge/core/testing';
import { KEDGE_BIN, ROOT, expectFiles, kedge, readToken, tempDir, writeFile, type ApiCredentials } from './harness.js';

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

/**
 * A Kedge cluster of role processes on a real nats-server, in a temp directory. Every role shares the
 * cluster's token: the api role creates the file, the others read it.
 */
export class RoleCluster {
  readonly dir: string;
  readonly tokenFile: string;
  readonly roles: RoleProcess[] = [];
  readonly #tmp: { dir: string; cleanup(): void };
  #nats?: NatsServer;
  #bus?: NatsBus;
  #creds?: ApiCredentials;

  constructor(prefix: string) {
    this.#tmp = tempDir(prefix);
    this.dir = this.#tmp.dir;
    this.tokenFile = join(this.dir, 'token');
  }

  get nats(): NatsServer {
    if (!this.#nats) throw new Error('the cluster has not started: its beforeAll failed');
    return this.#nats;
  }

  /** The API and the cluster token, for `kedge(args, creds)`. */
  get creds(): ApiCredentials {
    if (!this.#creds) throw new Error('the cluster has no api role: its beforeAll failed');
    return this.#creds;
  }

  get apiUrl(): string {
    return this.creds.api;
  }

  /**
   * Starts nats-server and the api role `api-1` (which writes the token), once the files in `needs`
   * (built examples) are there; resolves with the api role.
   */
  async start(needs: string[] = []): Promise<RoleProcess> {
    expectFiles(needs);
    this.#nats = await startNatsServer();
    const api = await this.role('api', ['--id', 'api-1', '--api-port', '0', ...this.dataDir('api')]);
    this.#creds = { api: api.urls.api!, token: readToken(this.tokenFile) };
    return api;
  }

  /** A bus of the test's own on the cluster's nats-server (to await heartbeats); closed by stop(). */
  async connectBus(name: string): Promise<NatsBus> {
    this.#bus = await connectNatsBus({ servers: this.nats.url, name });
    return this.#bus;
  }

  /** `kedge <name> --nats URL --token-file FILE ARGS`, stopped by stop(). */
  role = async (name: string, args: string[]): Promise<RoleProcess> => {
    const p = await startRole(name, ['--nats', this.nats.url, '--token-file', this.tokenFile, ...args]);
    this.roles.push(p);
    return p;
  };

  /** A role's own `--data-dir`, inside the temp directory. */
  dataDir = (name: string): string[] => ['--data-dir', join(this.dir, name)];

  /** `kedge apply -f FILE` with the cluster token: it must succeed without a word on stderr. */
  apply = async (file: string): Promise<void> => {
    const r = await kedge(['apply', '-f', file], this.creds);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  };

  /** Writes `yaml` to NAME.yaml in the temp directory and applies it. */
  applyYaml = (name: string, yaml: string): Promise<void> => this.apply(writeFile(this.dir, `${name}.yaml`, yaml));

  /** Roles gracefully (one that has not stopped 10 s later is killed), then the bus, nats-server, the files. */
  async stop(): Promise<void> {
    await Promise.all(
      this.roles.map(async (r) => {
        const t = setTimeout(() => void r.stop('SIGKILL'), 10_000);
        await r.stop('SIGTERM');
        clearTimeout(t);
      }),
    );
    await killAllRoles();
    await this.#bus?.close();
    await this.#nats?.stop();
    this.#tmp.cleanup();
  }
}
