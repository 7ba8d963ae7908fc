export { createRunner, type Runner, type RunnerDeps } from './runner.js';
export { Queue, RequestTimeout, type QueueOptions } from './queue/queue.js';
export { WORKER_FILE } from './runtimes/wasm/index.js';
export { WorkerPool } from './runtimes/wasm/pool.js';
export { ComponentCache } from './runtimes/wasm/compile.js';
export { InThreadGuest, type InThreadResponse } from './runtimes/wasm/in-thread.js';
export type { InstanceLogSink } from './logs/sink.js';
export { InstanceLogs, type LogRingOptions } from './logs/ring.js';
export { startLoneRunner, type LoneRunner, type LoneRunnerOptions } from './bench/lone-runner.js';
