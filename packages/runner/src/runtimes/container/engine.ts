/**
 * What the container runtime needs from an engine: little enough that podman's CLI implements it
 * today and the Docker-compatible API socket (Docker, or `podman system service`) can tomorrow —
 * docs/runner.md "Containers" says how to add one.
 */
export interface ContainerEngine {
  /** `podman`, `docker`, … (for messages). */
  readonly name: string;
  /** The engine's version; rejects with EngineUnavailableError when it cannot run containers. */
  version(): Promise<string>;
  /** Whether the image is in the engine's local store. */
  hasImage(ref: string): Promise<boolean>;
  /** Pulls the image; rejects with the engine's own words. */
  pull(ref: string): Promise<void>;
  /** Creates and starts a container; resolves once the engine started it (the app may not listen yet). */
  run(spec: ContainerSpec, output: (stream: 'stdout' | 'stderr', chunk: string) => void): Promise<RunningContainer>;
  /** Removes every container carrying all of these labels (what a runtime left behind). */
  removeLabelled(labels: Record<string, string>): Promise<number>;
}

export interface ContainerSpec {
  /** Unique container name. */
  name: string;
  image: string;
  env: [string, string][];
  /** Kubernetes `command` (the image's ENTRYPOINT replaced) and `args` (its CMD replaced). */
  command?: string[];
  args?: string[];
  workingDir?: string;
  /** The app's port inside the container (PORT), published on 127.0.0.1:hostPort. */
  containerPort: number;
  hostPort: number;
  /** cgroup limits: bytes of memory (no swap beyond it) and CPUs (fractions allowed). */
  memoryBytes?: number;
  cpus?: number;
  labels: Record<string, string>;
}

export interface ContainerExit {
  /** The exit code, or null when the engine could not tell. */
  code: number | null;
  /** The kernel's OOM killer ended it (the memory limit was exceeded). */
  oomKilled: boolean;
}

export interface RunningContainer {
  readonly name: string;
  /** Settles the moment the container's process ended (before the engine says why). */
  readonly stopped: Promise<void>;
  /** Settles when the container stopped, for whatever reason, with why; it is removed by then. */
  readonly exited: Promise<ContainerExit>;
  /** The container's first process on the host (for its cgroup); undefined once it is gone. */
  pid(): Promise<number | undefined>;
  /** SIGTERM, then SIGKILL after `graceSeconds`; resolves once it is gone (removed). */
  stop(graceSeconds: number): Promise<void>;
}

/** The engine is not installed or cannot run containers here; the message says what to do. */
export class EngineUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}
