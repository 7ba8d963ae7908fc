import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../net.js';
import { WATCHDOG } from './watchdog.js';

export interface DockerRegistry {
  /** `127.0.0.1:PORT`, the host part of image references (`127.0.0.1:PORT/hello:v1`). */
  host: string;
  port: number;
  /** Config file and storage live here; removed by stop(). */
  dir: string;
  /** The registry's log so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface DockerRegistryOptions {
  /** Require Basic auth: `user:bcrypt-hash` lines of an htpasswd file (distribution accepts bcrypt only). */
  htpasswd?: string;
  /**
   * Require Bearer tokens (distribution's token auth): JWTs from `realm` for `service`, signed by `issuer`
   * with the key of the PEM certificate `rootCertBundle` (a file path).
   */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** How long to wait for it to listen (default 10 s). */
  readyTimeoutMs?: number;
}

const INSTALL_HINT =
  'docker-registry (the CNCF distribution registry 2.8) is required for the registry tests: install it with ' +
  '`apt-get install -y docker-registry` (Debian; .ci/run does this) or set DOCKER_REGISTRY_BIN to its path.';

/** $DOCKER_REGISTRY_BIN, else Debian's /usr/bin/docker-registry; throws with the install hint otherwise. */
export function findDockerRegistryBinary(): string {
  const bin = process.env.DOCKER_REGISTRY_BIN ?? '/usr/bin/docker-registry';
  try {
    accessSync(bin, constants.X_OK);
    return bin;
  } catch {
    throw new Error(`${bin} is not an executable file. ${INSTALL_HINT}`);
  }
}

/**
 * Starts Debian's docker-registry on a free port on 127.0.0.1 with its own config file and storage in a
 * temp dir, anonymous read/write (or Basic auth with `htpasswd`), and resolves once it listens. Fails (never skips) when
 * the binary is missing. The system's /etc/docker/registry config and port 5000 are not touched.
 */
export async function startDockerRegistry(opts: DockerRegistryOptions = {}): Promise<DockerRegistry> {
  const bin = findDockerRegistryBinary();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kedge-registry-'));
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...(opts.htpasswd !== undefined
        ? ['auth:', '  htpasswd:', '    realm: kedge-test', `    path: ${join(dir, 'htpasswd')}`]
        : []),
      ...(opts.token
        ? [
            'auth:',
            '  token:',
            `    realm: ${opts.token.realm}`,
            `    service: ${opts.token.service}`,
            `    issuer: ${opts.token.issuer}`,
            `    rootcertbundle: ${opts.token.rootCertBundle}`,
          ]
        : []),
      '',
    ].join('\n'),
  );
  if (opts.htpasswd !== undefined) writeFileSync(join(dir, 'htpasswd'), `${opts.htpasswd}\n`);
  let output = '';
  const proc: ChildProcess = spawn('/bin/sh', ['-c', WATCHDOG, bin, 'serve', config], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      const escalate = setTimeout(() => proc.kill('SIGUSR1'), 5_000);
      await exit;
      clearTimeout(escalate);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  // The registry logs "listening on ADDR" once its socket is bound, right before it serves.
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`docker-registry on port ${port} was not ready within ${readyTimeoutMs} ms:\n${output}`)),
      readyTimeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 64_000) output = output.slice(-32_000);
      if (output.includes(`listening on 127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited before it was ready:\n${output}`));
    });
  });
  await ready.catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { host: `127.0.0.1:${port}`, port, dir, log: () => output, stop };
}
