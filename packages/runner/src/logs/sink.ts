/**
 * Where a runtime puts what an instance writes: wasi:cli stdout/stderr of a WebAssembly guest, a
 * process's or a container's output. Every runtime feeds the runner's one sink, which keeps it per
 * instance for `kubectl logs`. write() must not block and must not throw: a guest's output never
 * waits for a reader.
 */
export interface InstanceLogSink {
  write(instanceId: string, stream: 'stdout' | 'stderr', text: string): void;
  /** The instance's last `count` lines, an unended one included: they say why a start failed. */
  tail(instanceId: string, count: number): string[];
}
