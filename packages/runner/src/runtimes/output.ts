import type { Logger, Revision } from '@kedge/core';
import type { InstanceLogSink } from '../logs/sink.js';

/** Longest piece of one write the runner's own log repeats (the sink keeps it whole). */
const MAX_LOGGED = 16_384;

/**
 * Where a process's or a container's stdout and stderr go: the node's log sink (kubectl logs) and
 * the runner's log, stderr as warnings, so an operator sees a failing app without asking for it.
 */
export function instanceOutput(
  logger: Logger,
  sink: InstanceLogSink | undefined,
  rev: Revision,
  instanceId: string,
): (stream: 'stdout' | 'stderr', chunk: string) => void {
  const log = logger.child({ revision: `${rev.metadata.namespace}/${rev.metadata.name}`, instance: instanceId });
  return (stream, chunk) => {
    (stream === 'stdout' ? log.info : log.warn).call(log, { stream }, chunk.trimEnd().slice(0, MAX_LOGGED));
    sink?.write(instanceId, stream, chunk);
  };
}
