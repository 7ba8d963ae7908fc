import { join } from 'node:path';
import { expect } from 'vitest';
import { kedge, pickPorts, startKedge, tempDir, waitForObject, writeFile, type KedgeProcess } from '../harness.js';
import { probe } from './clients.js';
import { HELLO_WASM, serviceYaml, writeTestGuest } from './guests.js';

export const NS = 'chaos';
export const HOSTILE = `hostile.${NS}.example.com`;
export const HELLO = `hello.${NS}.example.com`;
const SERVICES = `/apis/serving.knative.dev/v1/namespaces/${NS}/services`;
const isReady = (s: any) => s.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');

export interface Node {
  proc: KedgeProcess;
  port: number;
  /** The process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * A fresh `kedge up` with the hostile test guest and a healthy hello beside it (namespace chaos), both
 * Ready and the hello answering. A case that may kill the process gets its own.
 */
export async function hostileNode(
  opts: {
    hostileTimeoutSeconds?: number;
    hostileAnnotations?: Record<string, string>;
    helloAnnotations?: Record<string, string>;
  } = {},
): Promise<Node> {
  const tmp = tempDir('kedge-chaos-');
  const ports = await pickPorts();
  const proc = await startKedge({ ports, dataDir: join(tmp.dir, 'data') });
  const manifest = writeFile(
    tmp.dir,
    'services.yaml',
    `${serviceYaml('hostile', NS, await writeTestGuest(tmp.dir), { ...(opts.hostileTimeoutSeconds !== undefined ? { timeoutSeconds: opts.hostileTimeoutSeconds } : {}), annotations: opts.hostileAnnotations ?? {} })}---\n${serviceYaml('hello', NS, HELLO_WASM, { annotations: opts.helloAnnotations ?? {} })}`,
  );
  const r = await kedge(['apply', '-f', manifest], proc.creds);
  expect(r.stderr).toBe('');
  await waitForObject(proc.apiUrl, SERVICES, 'hostile', isReady);
  await waitForObject(proc.apiUrl, SERVICES, 'hello', isReady);
  expect((await probe(ports.http, HELLO)).status).toBe(200);
  return {
    proc,
    port: ports.http,
    alive: () => proc.child.exitCode === null && proc.child.signalCode === null,
    stop: async () => {
      await proc.stop('SIGKILL');
      tmp.cleanup();
    },
  };
}
