import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from '../net.js';
import { WATCHDOG } from './watchdog.js';

export interface NatsServerOptions {
  /** JetStream with file storage in a temp store dir (default true: the Store needs it). */
  jetstream?: boolean;
  /** Require user/password (`--user/--pass`) from clients. */
  user?: string;
  pass?: string;
  /** Require a token (`--auth`) from clients. */
  token?: string;
  /** How long to wait for "Server is ready" (default 10 s). */
  readyTimeoutMs?: number;
}

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** The server's log so far (stderr), for failure messages. */
  log(): string;
  /** SIGTERM, waits for exit; the store dir is removed unless `keepStore`. */
  stop(opts?: { keepStore?: boolean }): Promise<void>;
  /** SIGKILL, like a crash; the store dir stays so `start()` can bring it back. */
  kill(): Promise<void>;
  /** Starts the server again after kill() or stop({ keepStore: true }); same port, same store. */
  start(): Promise<void>;
  /** Stops and starts again on the same port with the same store dir. */
  restart(): Promise<void>;
}

const INSTALL_HINT =
  'nats-server is required for the NATS tests and the distributed mode: install it with `apt-get install -y nats-server` ' +
  '(Debian/Ubuntu; .ci/run does this) or set NATS_SERVER_BIN to its path.';

/** Finds the nats-server binary: $NATS_SERVER_BIN, then $PATH, then the Debian locations. */
export function findNatsServerBinary(): string {
  const explicit = process.env.NATS_SERVER_BIN;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(`NATS_SERVER_BIN=${explicit} is not an executable file. ${INSTALL_HINT}`);
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'nats-server');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `nats-server binary not found (looked in $PATH, /usr/sbin, /usr/bin, /usr/local/bin). ${INSTALL_HINT}`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a real nats-server on a free port on 127.0.0.1 with its own store dir, and resolves once the
 * server logged "Server is ready". Fails (never skips) when the binary is missing.
 */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = findNatsServerBinary();
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'kedge-nats-'));
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  if (opts.jetstream !== false) args.push('-js', '-sd', storeDir);
  if (opts.user !== undefined) args.push('--user', opts.user, '--pass', opts.pass ?? '');
  if (opts.token !== undefined) args.push('--auth', opts.token);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;

  let child: ChildProcess | undefined;
  let output = '';

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      // Through a watchdog shell: if this (test) process dies without stopping the server, the pipe
      // on the shell's stdin closes and the server is killed, so no orphan outlives a test run.
      const proc = spawn('/bin/sh', ['-c', WATCHDOG, bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      child = proc;
      let ready = false;
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`nats-server on port ${port} was not ready within ${readyTimeoutMs} ms:\n${output}`));
      }, readyTimeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // Keep the tail only: a long test run must not grow this without bound.
        if (output.length > 64_000) output = output.slice(-32_000);
        if (!ready && output.includes('Server is ready')) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${bin}: ${err.message}. ${INSTALL_HINT}`));
      });
      proc.once('exit', (code, signal) => {
        if (child === proc) child = undefined;
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(`nats-server exited (code ${code}, signal ${signal}) before it was ready:\n${output}`));
        }
      });
    });

  const terminate = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    // The watchdog forwards TERM; USR1 asks it for a SIGKILL (a crash), which it cannot receive itself.
    proc.kill(signal === 'SIGKILL' ? 'SIGUSR1' : signal);
    const escalate = setTimeout(() => proc.kill('SIGUSR1'), 5_000);
    await exited;
    clearTimeout(escalate);
  };

  await launch().catch((err) => {
    rmSync(storeDir, { recursive: true, force: true });
    throw err;
  });

  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    log: () => output,
    async stop(o = {}) {
      await terminate('SIGTERM');
      if (!o.keepStore) rmSync(storeDir, { recursive: true, force: true });
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async start() {
      if (child) return;
      output = '';
      await launch();
    },
    async restart() {
      await terminate('SIGTERM');
      output = '';
      await launch();
    },
  };
  return server;
}
