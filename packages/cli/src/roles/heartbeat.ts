import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEDGE_VERSION, subjects, type Bus, type Clock, type ComponentHeartbeat, type Logger } from '@kedge/core';

export const COMPONENT_HEARTBEAT_MS = 1_000;

/**
 * Counts how often a role instance was started with this data dir, like a pod's restart count:
 * the first start is 0.
 */
export function countRestart(dataDir: string, role: string, id: string): number {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, `${role}-${id}.starts`);
  let starts = 0;
  try {
    starts = Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    // First start with this data dir.
  }
  writeFileSync(file, String(starts + 1));
  return starts;
}

/** Publishes a ComponentHeartbeat every second so `kedge get components` sees this role instance. */
export function startComponentHeartbeat(deps: {
  bus: Bus;
  clock: Clock;
  logger: Logger;
  role: ComponentHeartbeat['role'];
  id: string;
  nodeId: string;
  restarts: number;
  ready: () => boolean;
  /** A gateway's request address, announced so runners can send service-to-service calls to it. */
  url?: () => string | undefined;
}): { stop(): void; beat(): void } {
  const startedAt = deps.clock.now();
  const beat = () => {
    const msg: ComponentHeartbeat = {
      role: deps.role,
      id: deps.id,
      nodeId: deps.nodeId,
      ready: deps.ready(),
      restarts: deps.restarts,
      startedAt,
      version: KEDGE_VERSION,
      time: deps.clock.now(),
    };
    const url = deps.url?.();
    if (url) msg.url = url;
    try {
      deps.bus.publish(subjects.componentHeartbeat, msg);
    } catch (err) {
      deps.logger.debug({ err }, 'component heartbeat not sent');
    }
  };
  beat();
  const timer = deps.clock.setInterval(beat, COMPONENT_HEARTBEAT_MS);
  return { stop: () => deps.clock.clearInterval(timer), beat };
}
