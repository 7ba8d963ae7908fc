import { randomUUID } from 'node:crypto';

import { awaitsImageResolution, freePort, parseQuantity, type Logger, type Revision } from '@kedge/core';
import type { InstanceLogSink } from '../../logs/sink.js';
import { instanceOutput } from '../output.js';
import { waitReady } from '../probe.js';
import { RevisionLoadError, jsonError, revisionEnv } from '../runtime.js';
import type { Runtime, RuntimeInstance, Timings } from '../runtime.js';
import { stopGraceMs, upstreamInstance } from '../upstream.js';
import { lazyCgroupUsage } from './cgroup.js';
import { EngineUnavailableError, type ContainerEngine, type ContainerExit, type RunningContainer } from './engine.js';
import { imageToRun } from './image-ref.js';

export { EngineUnavailableError, type ContainerEngine, type ContainerSpec, type RunningContainer } from './engine.js';
export { PodmanEngine, DEFAULT_PODMAN_RUN_FLAGS, type PodmanOptions } from './podman.js';

export interface ContainerRuntimeOptions {
  logger: Logger;
  /** The engine to use; none: this runner cannot run container revisions (and says so). */
  engine: ContainerEngine | undefined;
  nodeId: string;
  /**
   * Names this node across restarts (the runner derives it from node id and data dir): containers a
   * crashed run of the same node left behind carry it, and the next start removes them.
   */
  nodeKey: string;
  /** Where the containers' stdout/stderr go, per instance (kubectl logs). */
  output?: InstanceLogSink;
  /** How long a container may take to pass its readiness probe (default 60 s). */
  startTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when the revision's timeoutSeconds is longer (default 10 s). */
  maxGraceMs?: number;
}

/** Knative's default containerPort, and so the default PORT. */
const DEFAULT_PORT = 8080;
/** Probing period while a container starts: the app listens within ms of its start, so probe often. */
const PROBE_INTERVAL_MS = 10;
/** Labels every container this runtime starts carries (the cleanup finds them by these). */
export const OWNER_LABEL = 'kedge.dev/runner-instance';
export const INSTANCE_LABEL = 'kedge.dev/instance';
export const NODE_KEY_LABEL = 'kedge.dev/node-key';

/**
 * Knative's runtime contract on a container engine: the revision's image runs with PORT, K_* and
 * its env, `command`/`args`/`workingDir`, memory/CPU limits as cgroup limits, readiness probes
 * gating the start, SIGTERM then SIGKILL after the grace on stop (docs/runner.md "Containers").
 */
export class ContainerRuntime implements Runtime {
  readonly kind = 'container';
  private readonly owner = randomUUID();
  private readonly running = new Set<RunningContainer>();
  /** Per image and pull policy: the image is there (Knative's image cache, warmed by prepare). */
  private readonly images = new Map<string, Promise<void>>();
  private engineState: Promise<string | undefined> | undefined;
  private usable = false;

  constructor(private readonly opts: ContainerRuntimeOptions) {}

  /** Finds out whether the engine works; the heartbeat then lists `container` among this node's runtimes. */
  async detect(): Promise<boolean> {
    this.engineState ??= (async () => {
      if (!this.opts.engine) return 'no container engine is configured';
      try {
        const version = await this.opts.engine.version();
        this.opts.logger.info({ engine: this.opts.engine.name, version }, 'container engine found');
        const left = await this.opts.engine.removeLabelled({ [NODE_KEY_LABEL]: this.opts.nodeKey }).catch(() => 0);
        if (left)
          this.opts.logger.warn({ containers: left }, 'removed containers an earlier run of this node left behind');
        return undefined;
      } catch (err) {
        return err instanceof EngineUnavailableError
          ? err.message
          : `${this.opts.engine.name}: ${(err as Error).message}`;
      }
    })();
    const why = await this.engineState;
    this.usable = why === undefined;
    if (why) this.opts.logger.info({ why }, 'container revisions cannot run on this runner');
    return this.usable;
  }

  /** Whether this runner can run container revisions (known once detect() settled). */
  get available(): boolean {
    return this.usable;
  }

  async prepare(rev: Revision): Promise<void> {
    if (awaitsImageResolution(rev))
      throw new RevisionLoadError(
        'ResolvingDigests',
        `spec.containers[0].image: "${rev.spec.containers[0]?.image}" is being resolved to a digest; try again in a moment`,
      );
    const engine = await this.engine(rev);
    const c = rev.spec.containers[0]!;
    const ref = imageToRun(rev);
    const policy = c.imagePullPolicy || 'IfNotPresent';
    const key = `${policy} ${ref}`;
    let ready = this.images.get(key);
    if (!ready) {
      ready = this.fetchImage(engine, ref, policy);
      this.images.set(key, ready);
      // A failure is not cached: the next revision event or start tries again.
      ready.catch(() => this.images.delete(key));
    }
    await ready;
  }

  private async fetchImage(engine: ContainerEngine, ref: string, policy: string): Promise<void> {
    const where = `runner ${this.opts.nodeId}`;
    if (policy !== 'Always' && (await engine.hasImage(ref))) return;
    if (policy === 'Never')
      throw new RevisionLoadError(
        'ErrImageNeverPull',
        `spec.containers[0].image: "${ref}" is not in ${engine.name}'s image store on ${where} and imagePullPolicy is Never: ` +
          `build or load it there (e.g. examples/helloworld-go/build.sh), or allow a pull`,
      );
    try {
      await engine.pull(ref);
    } catch (err) {
      throw new RevisionLoadError(
        'ErrImagePull',
        `spec.containers[0].image: "${ref}" is not in ${engine.name}'s image store on ${where} and could not be pulled ` +
          `(${(err as Error).message}): build it there (e.g. examples/helloworld-go/build.sh) or push it to a registry the runner can reach`,
      );
    }
  }

  private async engine(rev: Revision): Promise<ContainerEngine> {
    // detect() sets engineState before its first await.
    if (!this.engineState) void this.detect();
    const why = await this.engineState;
    if (why !== undefined || !this.opts.engine)
      throw new RevisionLoadError(
        'ContainerEngineMissing',
        `spec.containers[0].image: runner ${this.opts.nodeId} has no container engine to run "${rev.spec.containers[0]?.image}": ${why}`,
      );
    return this.opts.engine;
  }

  async start(rev: Revision, instanceId: string, timings: Timings): Promise<RuntimeInstance> {
    const p0 = performance.now();
    await this.prepare(rev);
    const engine = this.opts.engine!;
    timings.image = performance.now() - p0;
    const c = rev.spec.containers[0]!;
    const containerPort = c.ports?.[0]?.containerPort ?? DEFAULT_PORT;
    const hostPort = await freePort();
    const env = revisionEnv(rev).filter(([k]) => k !== 'PORT');
    env.push(['PORT', String(containerPort)]);
    const t0 = performance.now();
    const container = await engine.run(
      {
        name: `kedge-${instanceId.replace(/[^a-zA-Z0-9_.-]/g, '-')}`,
        image: imageToRun(rev),
        env,
        ...(c.command?.length ? { command: c.command } : {}),
        ...(c.args?.length ? { args: c.args } : {}),
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        containerPort,
        hostPort,
        ...limits(c.resources?.limits),
        labels: {
          [OWNER_LABEL]: this.owner,
          [INSTANCE_LABEL]: instanceId,
          [NODE_KEY_LABEL]: this.opts.nodeKey,
          'kedge.dev/node': this.opts.nodeId,
          'serving.knative.dev/revision': rev.metadata.name,
          'serving.knative.dev/revisionNamespace': rev.metadata.namespace,
        },
      },
      instanceOutput(this.opts.logger, this.opts.output, rev, instanceId),
    );
    this.running.add(container);
    timings.engineStart = performance.now() - t0;
    let exited: string | undefined;
    void container.stopped.then(() => (exited ??= 'it stopped'));
    const ended = container.exited.then((e) => {
      this.running.delete(container);
      exited = describeExit(e, c.resources?.limits?.memory);
      return exited;
    });
    const r0 = performance.now();
    try {
      await waitReady({
        probe: c.readinessProbe,
        port: hostPort,
        mapPort: (p) => (p === containerPort ? hostPort : p),
        timeoutMs: this.opts.startTimeoutMs ?? 60_000,
        intervalMs: PROBE_INTERVAL_MS,
        exited: () => exited,
        forwarded: true,
      });
    } catch (err) {
      await container.stop(0);
      // What the container wrote last usually says why it never became ready.
      const tail = this.opts.output?.tail(instanceId, 5).join(' | ');
      throw new RevisionLoadError(
        'ContainerNotReady',
        `spec.containers[0]: the container ${(err as Error).message}${tail ? `; its last output: ${tail}` : ''}`,
      );
    }
    timings.ready = performance.now() - r0;
    const usage = lazyCgroupUsage(() => container.pid());
    const graceMs = stopGraceMs(rev, this.opts.maxGraceMs);
    return upstreamInstance({
      rev,
      port: hostPort,
      what: 'container',
      exited: () => exited,
      // The app never saw it: the gateway may send it to another instance (what InstanceNotFound means).
      gone: (why) => jsonError(503, 'InstanceNotFound', `the instance's container ended: ${why}`),
      ended,
      stop: () => container.stop(graceMs / 1000),
      usage: () => (exited ? undefined : usage()),
    });
  }

  /** Ends every container this runtime started, and any a crash of it left behind. */
  async close(): Promise<void> {
    await Promise.all([...this.running].map((c) => c.stop(0)));
    if (this.usable) await this.opts.engine!.removeLabelled({ [OWNER_LABEL]: this.owner }).catch(() => 0);
  }
}

function limits(l: Record<string, string> | undefined): { memoryBytes?: number; cpus?: number } {
  const out: { memoryBytes?: number; cpus?: number } = {};
  const memory = parseQuantity(l?.memory);
  if (memory !== undefined && memory > 0) out.memoryBytes = Math.floor(memory);
  const cpu = parseQuantity(l?.cpu);
  if (cpu !== undefined && cpu > 0) out.cpus = cpu;
  return out;
}

function describeExit(e: ContainerExit, memoryLimit: string | undefined): string {
  if (e.oomKilled)
    return `OOMKilled: it exceeded its memory limit${memoryLimit ? ` (resources.limits.memory ${memoryLimit})` : ''}`;
  return e.code === null ? 'the engine lost it' : `exit code ${e.code}`;
}
