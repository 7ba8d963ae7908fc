import { spawn, type ChildProcess } from 'node:child_process';

import { freePort, type Logger, type Revision } from '@kedge/core';
import type { InstanceLogSink } from '../../logs/sink.js';
import { instanceOutput } from '../output.js';
import { waitReady } from '../probe.js';
import { RevisionLoadError, jsonError, revisionEnv } from '../runtime.js';
import type { Runtime, RuntimeInstance, Timings } from '../runtime.js';
import { stopGraceMs, upstreamInstance } from '../upstream.js';
import { processUsage } from '../usage.js';

export interface ProcessRuntimeOptions {
  logger: Logger;
  /** How long an instance may take to pass its readiness probe. */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when the revision's timeoutSeconds is longer. */
  maxGraceMs?: number;
  /** The process's stdout and stderr, by instance. */
  output?: InstanceLogSink;
}

/**
 * Knative's container contract without an engine: a revision whose container gives `command`
 * runs as a local process listening on $PORT (127.0.0.1), with K_* and the revision's env.
 */
export class ProcessRuntime implements Runtime {
  readonly kind = 'process';

  constructor(private readonly opts: ProcessRuntimeOptions) {}

  async prepare(): Promise<void> {}

  async start(rev: Revision, instanceId: string, timings: Timings): Promise<RuntimeInstance> {
    const c = rev.spec.containers[0]!;
    const t0 = performance.now();
    const port = await freePort();
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    for (const [k, v] of revisionEnv(rev)) env[k] = v;
    env.PORT = String(port);
    const [cmd, ...cmdArgs] = c.command!;
    const child = spawn(cmd!, [...cmdArgs, ...(c.args ?? [])], {
      env,
      cwd: c.workingDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const write = instanceOutput(this.opts.logger, this.opts.output, rev, instanceId);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => write('stdout', d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => write('stderr', d));
    let exited: string | undefined;
    const exit = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = signal ? `signal ${signal}` : `code ${code}`;
        resolve(`the process exited (${exited})`);
      });
      child.once('error', (err) => {
        exited = err.message;
        resolve(`the process could not run: ${exited}`);
      });
    });
    timings.spawn = performance.now() - t0;
    const r0 = performance.now();
    try {
      await waitReady({
        probe: c.readinessProbe,
        port,
        timeoutMs: this.opts.startTimeoutMs ?? 30_000,
        intervalMs: 50,
        exited: () => exited,
      });
    } catch (err) {
      child.kill('SIGKILL');
      throw new RevisionLoadError(
        'ProcessNotReady',
        `spec.containers[0].command: the process ${(err as Error).message}`,
      );
    }
    timings.ready = performance.now() - r0;
    const graceMs = stopGraceMs(rev, this.opts.maxGraceMs);
    return upstreamInstance({
      rev,
      port,
      what: 'process',
      exited: () => exited,
      gone: (why) => jsonError(502, 'ProcessExited', `the instance's process exited (${why})`),
      ended: exit,
      stop: () => stopProcess(child, exit, () => exited !== undefined, graceMs),
      usage: () => (exited ? undefined : processUsage(child.pid)),
    });
  }

  async close(): Promise<void> {}
}

async function stopProcess(
  child: ChildProcess,
  exit: Promise<unknown>,
  gone: () => boolean,
  graceMs: number,
): Promise<void> {
  if (gone()) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      if (!gone()) child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([exit, killed]);
  clearTimeout(timer);
  await exit;
}
