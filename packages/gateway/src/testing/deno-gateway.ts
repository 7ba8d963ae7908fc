import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const DENO_ENTRY = join(REPO_ROOT, 'packages/gateway/dist/deno/main.js');
/** `npm run build:edge-bundle -w @kedge/gateway`: the entry with every dependency inlined. */
export const EDGE_BUNDLE = join(REPO_ROOT, 'packages/gateway/dist/edge/kedge-gateway.js');
/** Permissions the edge gateway needs: NATS and runners (net), token file and blob cache (read/write), env, hostname (sys). */
export const DENO_PERMISSIONS = ['--allow-net', '--allow-read', '--allow-write', '--allow-env', '--allow-sys'];

/**
 * The Deno binary itself, as the repository's `deno` npm package installs it. Throws (the test
 * fails, loudly) when it cannot be found. Not node_modules/.bin/deno: without the package's install
 * script that is a Node launcher running Deno as its child, and a signal to it would leave Deno running.
 */
export function denoBinary(): string {
  const install = createRequire(import.meta.url)(join(REPO_ROOT, 'node_modules/deno/install_api.cjs')) as {
    runInstall(): string;
  };
  const bin = install.runInstall();
  if (!bin || !existsSync(bin)) throw new Error(`deno: the npm package's binary is missing (${bin}); run npm ci`);
  return bin;
}

export interface DenoGatewayProcess {
  id: string;
  nodeId: string;
  urls: { gateway: string; admin: string };
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s: no gateway outlives its test. */
  stop(): Promise<void>;
}

/** `kedge gateway`'s flags for gateway `id` on node `nodeId`, listening on free ports of 127.0.0.1. */
export function gatewayFlags(o: { id: string; nodeId: string; dataDir: string; nats?: string; tokenFile?: string }) {
  return [
    ...(o.nats ? ['--nats', o.nats] : []),
    ...(o.tokenFile ? ['--token-file', o.tokenFile] : []),
    ...['--id', o.id, '--node-id', o.nodeId, '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'],
    ...['--data-dir', o.dataDir],
  ];
}

const READY = /^kedge gateway ready id=(\S+) node=(\S+) gateway=(\S+) admin=(\S+)/m;

/**
 * Starts the edge gateway — `deno run` of dist/deno/main.js, or a compiled binary — with `kedge
 * gateway`'s flags, and resolves at its ready line.
 */
export function startDenoGateway(
  args: string[],
  opts: {
    /** A compiled gateway to run instead of `deno run`. */
    binary?: string;
    /** The module `deno run` runs (default the built entry, with the repository's node_modules). */
    entry?: string;
    env?: Record<string, string>;
    cwd?: string;
    readyTimeoutMs?: number;
  } = {},
): Promise<DenoGatewayProcess> {
  const entry = opts.entry ?? DENO_ENTRY;
  const modules = entry === DENO_ENTRY ? ['--node-modules-dir=manual'] : [];
  const [cmd, argv] = opts.binary
    ? [opts.binary, args]
    : [denoBinary(), ['run', ...DENO_PERMISSIONS, ...modules, entry, ...args]];
  const child = spawn(cmd, argv, {
    cwd: opts.cwd ?? REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEDGE_LOG_LEVEL: process.env.KEDGE_TEST_LOG_LEVEL ?? 'warn', ...opts.env },
  });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(kill);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deno gateway not ready within ${opts.readyTimeoutMs ?? 30_000} ms:\n${out}`));
    }, opts.readyTimeoutMs ?? 30_000);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = READY.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({ id: m[1]!, nodeId: m[2]!, urls: { gateway: m[3]!, admin: m[4]! }, child, output: () => out, stop });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`deno gateway exited (${code}) before it was ready:\n${out}`));
    });
  });
}
