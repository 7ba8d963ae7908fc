import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { revisionRuntimeKind, type Logger, type Revision, type RuntimeKind } from '@kedge/core';
import type { InstanceLogSink } from '../logs/sink.js';
import type { ProcessRevisionGate } from '../process-gate.js';
import type { RunnerDeps } from '../runner.js';
import { ContainerRuntime, PodmanEngine } from '../runtimes/container/index.js';
import { ProcessRuntime } from '../runtimes/process/index.js';
import type { Runtime } from '../runtimes/runtime.js';
import { WasmRuntime } from '../runtimes/wasm/index.js';
import type { RunnerSettings } from '../settings.js';

/** The node's three runtimes, and which one a revision runs on. */
export interface NodeRuntimes {
  wasm: WasmRuntime;
  containers: ContainerRuntime;
  /** The revision's declared kind decides (core's runtimeKind, which admission and placement read too). */
  runtimeFor(rev: Revision): Runtime;
  /** The runtime that may run the revision now; throws RevisionLoadError when the gate keeps it off. */
  runnable(rev: Revision): Runtime;
  isProcess(rev: Revision): boolean;
  /** Ends every guest (workers terminated, processes killed): what was still in flight fails. */
  close(): Promise<void>;
}

export interface NodeRuntimesDeps {
  logger: Logger;
  settings: RunnerSettings;
  /** Every runtime's instance output goes to the one sink. */
  output: InstanceLogSink;
  gate: ProcessRevisionGate;
  onGuestFailure: (instanceId: string, kind: string, message: string) => void;
}

export function createRuntimes(deps: RunnerDeps, node: NodeRuntimesDeps): NodeRuntimes {
  const { logger, settings, output } = node;
  const wasm = new WasmRuntime({
    store: deps.store,
    logger,
    output,
    onGuestFailure: node.onGuestFailure,
    dataDir: deps.dataDir,
    ...(deps.workers !== undefined ? { workers: deps.workers } : {}),
    ...(deps.spareWorkers !== undefined ? { spares: deps.spareWorkers } : {}),
    maxWorkers: () => settings.get().maxWorkers,
    maxGuestsPerReplica: () => settings.get().maxGuestsPerReplica,
    cpuLimitMs: () => settings.get().cpuLimitMs,
    gateway: {
      ...(deps.gatewayFetch ? { gatewayFetch: deps.gatewayFetch } : {}),
      ...(deps.gatewayUrl ? { gatewayUrl: deps.gatewayUrl } : {}),
      ...(deps.clusterToken ? { clusterToken: deps.clusterToken } : {}),
      timeoutMs: () => settings.get().outboundTimeoutMs,
    },
  });
  const processes = new ProcessRuntime({ logger, output });
  const containers = new ContainerRuntime({
    logger,
    output,
    nodeId: deps.nodeId,
    // Containers a crashed run of this node left behind carry it: the same node id and data dir.
    nodeKey: createHash('sha256')
      .update(`${deps.nodeId}\0${resolve(deps.dataDir)}`)
      .digest('hex')
      .slice(0, 16),
    engine: deps.containerEngine === null ? undefined : (deps.containerEngine ?? new PodmanEngine()),
  });
  const all: Record<RuntimeKind, Runtime> = { wasm, process: processes, container: containers };
  const runtimeFor = (rev: Revision): Runtime => all[revisionRuntimeKind(rev)];
  return {
    wasm,
    containers,
    runtimeFor,
    runnable(rev) {
      const runtime = runtimeFor(rev);
      if (runtime === processes) node.gate.check();
      return runtime;
    },
    isProcess: (rev) => runtimeFor(rev) === processes,
    async close() {
      for (const r of Object.values(all)) await r.close();
    },
  };
}
