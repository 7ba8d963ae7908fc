import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

import { effectiveContainerConcurrency, freePort, isProcessRevision, type Logger, type Probe, type Revision } from '@kedge/core';
import { processUsage } from '../usage.js';
import type { InstanceLogSink } from '../../logs/sink.js';
import { RevisionLoadError, appHeaders, jsonError, revisionEnv, type Runtime, type RuntimeInstance, type Timings } from '../runtime.js';

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
  constructor(private readonly opts: ProcessRuntimeOptions) {}

  accepts(rev: Revision): boolean {
    return isProcessRevision(rev);
  }

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
    const log = this.opts.logger.child({ revision: `${rev.metadata.namespace}/${rev.metadata.name}`, instance: instanceId });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      log.info({ stream: 'stdout' }, d.trimEnd().slice(0, 16384));
      this.opts.output?.write(instanceId, 'stdout', d);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      log.warn({ stream: 'stderr' }, d.trimEnd().slice(0, 16384));
      this.opts.output?.write(instanceId, 'stderr', d);
    });
    let exited: string | undefined;
    const exit = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exited = signal ? `signal ${signal}` : `code ${code}`;
        resolve();
      });
      child.once('error', (err) => {
        exited = err.message;
        resolve();
      });
    });
    timings.spawn = performance.now() - t0;
    const r0 = performance.now();
    try {
      await waitReady(c.readinessProbe, port, this.opts.startTimeoutMs ?? 30_000, () => exited);
    } catch (err) {
      child.kill('SIGKILL');
      throw new RevisionLoadError('ProcessNotReady', `spec.containers[0].command: ${(err as Error).message}`);
    }
    timings.ready = performance.now() - r0;
    const graceMs = Math.min((rev.spec.timeoutSeconds ?? 300) * 1000, this.opts.maxGraceMs ?? 10_000);
    const base = `http://127.0.0.1:${port}`;
    return {
      concurrency: effectiveContainerConcurrency(rev),
      async handle(req, cancel) {
        const signal = cancel.signal();
        if (exited) return jsonError(502, 'ProcessExited', `the instance's process exited (${exited})`);
        const url = new URL(req.url);
        try {
          return await fetch(base + url.pathname + url.search, {
            method: req.method,
            headers: appHeaders(req.headers),
            body: req.body,
            signal,
            redirect: 'manual',
            ...(req.body ? { duplex: 'half' } : {}),
          } as RequestInit);
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          return jsonError(502, 'UpstreamError', `the instance's process did not answer: ${(err as Error).message}`);
        }
      },
      async stop() {
        await stopProcess(child, exit, () => exited !== undefined, graceMs);
      },
      usage: () => (exited ? undefined : processUsage(child.pid)),
    };
  }

  async close(): Promise<void> {}
}

async function stopProcess(child: ChildProcess, exit: Promise<void>, gone: () => boolean, graceMs: number): Promise<void> {
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

/** Knative's aggressive probing (period 0): try every 50 ms with a 100 ms timeout until ready. */
async function waitReady(probe: Probe | undefined, port: number, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not probed yet';
  for (;;) {
    const why = exited();
    if (why) throw new Error(`the process exited (${why}) before it became ready`);
    try {
      await probeOnce(probe, port);
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms (last probe: ${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Knative's defaulted probes carry port 0 (or a named port): both mean the serving port, PORT. */
function probePort(p: number | string | undefined, port: number): number {
  return typeof p === 'number' && p > 0 ? p : port;
}

async function probeOnce(probe: Probe | undefined, port: number): Promise<void> {
  if (probe?.httpGet) {
    const h = probe.httpGet;
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/kedge', 'k-kubelet-probe': 'queue' };
    for (const x of h.httpHeaders ?? []) headers[x.name] = x.value;
    const res = await fetch(`http://127.0.0.1:${probePort(h.port, port)}${h.path ?? '/'}`, { headers, signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    if (res.status < 200 || res.status >= 400) throw new Error(`GET ${h.path ?? '/'} answered ${res.status}`);
    return;
  }
  const target = probePort(probe?.tcpSocket?.port, port);
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: target });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`TCP ${target}: timeout`));
    }, 100);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      resolve();
    });
    s.once('error', (err) => {
      clearTimeout(t);
      reject(new Error(`TCP ${target}: ${err.message}`));
    });
  });
}
