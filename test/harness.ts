import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '@kedge/core/testing';

export const ROOT = resolve(import.meta.dirname, '..');
export const KEDGE_BIN = join(ROOT, 'packages/cli/bin/kedge.js');
/** examples/helloworld as `npm run build` leaves it: the component most tests deploy. */
export const HELLO_WASM = join(ROOT, 'examples/helloworld/build/helloworld.wasm');
export const HELLO_MANIFEST = join(ROOT, 'examples/helloworld/service.yaml');

/** A tool from $PATH (kubectl, curl): its full path, or the bare name, which a test checks for and fails on. */
export function onPath(name: string): string {
  return (
    (process.env.PATH ?? '')
      .split(delimiter)
      .map((d) => join(d, name))
      .find((p) => existsSync(p)) ?? name
  );
}

/** Fails the test, naming the file and how to get it, unless every file is there. */
export function expectFiles(files: readonly (string | readonly [file: string, hint: string])[]): void {
  for (const f of files) {
    const [file, hint] = typeof f === 'string' ? [f, 'npm run build makes it'] : f;
    expect(existsSync(file), `${file} missing: ${hint}`).toBe(true);
  }
}

/** The Ready condition of a Service, Revision or DomainMapping is True. */
export const isReady = (o: any): boolean =>
  o.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') ?? false;

export interface ServiceYamlOptions {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  timeoutSeconds?: number;
  containerConcurrency?: number;
  /** The TARGET the hello example greets: the name unless told, none with `false`. */
  target?: string | false;
  /** YAML appended under spec (a `  traffic:` block). */
  extra?: string;
}

/** A Service manifest for one container image, with optional template annotations and spec fields. */
export function serviceYaml(name: string, namespace: string, image: string, opts: ServiceYamlOptions = {}): string {
  const entries = (o: Record<string, string> | undefined, indent: string) =>
    Object.entries(o ?? {}).map(([k, v]) => `${indent}${k}: "${v}"`);
  const labels = entries(opts.labels, '    ');
  const annotations = entries(opts.annotations, '        ');
  const target = opts.target ?? name;
  const lines = [
    'apiVersion: serving.knative.dev/v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${namespace}`,
    ...(labels.length ? ['  labels:', ...labels] : []),
    'spec:',
    '  template:',
    ...(annotations.length ? ['    metadata:', '      annotations:', ...annotations] : []),
    '    spec:',
    ...(opts.timeoutSeconds !== undefined ? [`      timeoutSeconds: ${opts.timeoutSeconds}`] : []),
    ...(opts.containerConcurrency !== undefined ? [`      containerConcurrency: ${opts.containerConcurrency}`] : []),
    '      containers:',
    `        - image: ${image}`,
    ...(target === false ? [] : ['          env:', '            - name: TARGET', `              value: "${target}"`]),
  ];
  return `${lines.join('\n')}\n${opts.extra ?? ''}`;
}

/** A namespace's collection of one serving.knative.dev kind, as the API serves it. */
export function servingPath(namespace: string, plural: string, version = 'v1'): string {
  return `/apis/serving.knative.dev/${version}/namespaces/${namespace}/${plural}`;
}

/** config-autoscaler with short windows so a revision reaches zero within seconds (Knative's minimum stable window, 1 s grace). */
export const SHORT_WINDOWS_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-autoscaler
  namespace: knative-serving
data:
  stable-window: "6s"
  scale-to-zero-grace-period: "1s"
`;

/**
 * Where the CLI and raw requests find the API and its credential. Every test that writes to the API
 * goes through `kedge(args, creds)` or `apiFetch(creds, …)`: this file is the one place that knows how.
 */
export interface ApiCredentials {
  api: string;
  token: string;
}

/** The token `kedge up` / the api role wrote (`<dataDir>/token`, or a `--token-file`). */
export function readToken(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

/** fetch against the API with the bearer token (writes need it). */
export function apiFetch(creds: ApiCredentials, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${creds.api}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${creds.token}`, ...(init.headers as Record<string, string> | undefined) },
  });
}

export interface KedgeProcess {
  child: ChildProcess;
  gatewayUrl: string;
  apiUrl: string;
  /** The API address and the token this `kedge up` generated in its data directory. */
  creds: ApiCredentials;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface KedgePorts {
  http: number;
  api: number;
  runner: number;
  admin: number;
}

export async function pickPorts(): Promise<KedgePorts> {
  return { http: await freePort(), api: await freePort(), runner: await freePort(), admin: await freePort() };
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

export interface KedgeUpOptions {
  /** Files that must exist before it starts (built examples, installed tools). */
  needs?: readonly (string | readonly [file: string, hint: string])[];
  /** ConfigMaps for `--config`, as YAML text (written to config.yaml in the temp directory). */
  config?: string;
  /** More `kedge up` flags; a function runs in beforeAll (for ports or servers started there). */
  extra?: string[] | (() => string[] | Promise<string[]>);
  /** Runs before it starts (what it needs running or built first). */
  before?: () => Promise<unknown>;
  /** Runs after it has stopped, before the temp directory goes (what `before` started). */
  after?: () => Promise<unknown>;
  /** The beforeAll's and the afterAll's timeouts. */
  timeoutMs?: number;
  afterTimeoutMs?: number;
}

/** The `kedge up` of a describe block, with the temp directory it runs in. */
export interface KedgeUp extends KedgeProcess {
  /** The temp directory (removed after the block); the data directory is `data` inside it. */
  readonly dir: string;
  readonly dataDir: string;
  readonly ports: KedgePorts;
  /** Starts it again (after `stop`) on the same ports and flags, on `dataDir` unless told another. */
  start(dataDir?: string): Promise<void>;
}

/**
 * One `kedge up` for a describe block: a beforeAll starts it in a fresh temp directory, an afterAll
 * stops it and removes the directory. The block's own beforeAll hooks run after this one and its own
 * afterAll hooks before (Vitest runs hooks as a stack), so they can use it throughout.
 */
export function useKedgeUp(prefix: string, opts: KedgeUpOptions = {}): KedgeUp {
  const tmp = tempDir(prefix);
  const dataDir = join(tmp.dir, 'data');
  let ports: KedgePorts | undefined;
  let config: string | undefined;
  let extra: string[] = [];
  let proc: KedgeProcess | undefined;
  const started = (): KedgeProcess => {
    if (!proc) throw new Error(`kedge up (${prefix}) is not running: its beforeAll failed`);
    return proc;
  };
  const start = async (dir = dataDir) => {
    ports ??= await pickPorts();
    proc = await startKedge({ ports, dataDir: dir, config, extra });
  };
  beforeAll(async () => {
    expectFiles(opts.needs ?? []);
    await opts.before?.();
    if (opts.config !== undefined) config = writeFile(tmp.dir, 'config.yaml', opts.config);
    extra = typeof opts.extra === 'function' ? await opts.extra() : (opts.extra ?? []);
    await start();
  }, opts.timeoutMs ?? 60_000);
  afterAll(async () => {
    await proc?.stop();
    await opts.after?.();
    tmp.cleanup();
  }, opts.afterTimeoutMs);
  return {
    dir: tmp.dir,
    dataDir,
    get ports() {
      if (!ports) throw new Error(`kedge up (${prefix}) has no ports yet`);
      return ports;
    },
    get child() {
      return started().child;
    },
    get gatewayUrl() {
      return started().gatewayUrl;
    },
    get apiUrl() {
      return started().apiUrl;
    },
    get creds() {
      return started().creds;
    },
    get exited() {
      return started().exited;
    },
    output: () => started().output(),
    stop: (signal) => started().stop(signal),
    start,
  };
}

/** Starts `kedge up` as a real process and resolves once it has printed that it is ready. */
export function startKedge(args: {
  ports: KedgePorts;
  dataDir: string;
  config?: string;
  extra?: string[];
}): Promise<KedgeProcess> {
  const { ports } = args;
  const argv = [
    KEDGE_BIN,
    'up',
    '--http-port',
    String(ports.http),
    '--api-port',
    String(ports.api),
    '--runner-port',
    String(ports.runner),
    '--admin-port',
    String(ports.admin),
    '--data-dir',
    args.dataDir,
    '--log-level',
    process.env.KEDGE_TEST_LOG_LEVEL ?? 'warn',
    ...(args.config ? ['--config', args.config] : []),
    ...(args.extra ?? []),
  ];
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return new Promise((resolveReady, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes('Ctrl-C stops it.')) {
        resolveReady({
          child,
          gatewayUrl: `http://127.0.0.1:${ports.http}`,
          apiUrl: `http://127.0.0.1:${ports.api}`,
          creds: { api: `http://127.0.0.1:${ports.api}`, token: readToken(join(args.dataDir, 'token')) },
          output: () => out,
          exited,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            // A clean stop takes well under a second; one that hangs is a bug worth seeing, not waiting on.
            const timer = setTimeout(() => {
              process.stderr.write(`kedge up did not stop within 10 s of ${signal}; output:\n${out}\n`);
              child.kill('SIGKILL');
            }, 10_000);
            const code = await exited;
            clearTimeout(timer);
            return code;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    void exited.then((code) => reject(new Error(`kedge up exited (${code}) before it was ready:\n${out}`)));
  });
}

/**
 * Runs the kedge CLI to completion (cwd: the repository root). With `token` it authenticates as a
 * user with KEDGE_TOKEN set would; without one it sends no credential from the environment.
 */
export function kedge(
  args: string[],
  opts: { api?: string; token?: string; input?: string; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { KEDGE_TOKEN: _t, KEDGE_TOKEN_FILE: _f, ...env } = process.env;
  const child = spawn(process.execPath, [KEDGE_BIN, ...(opts.api ? ['--api', opts.api] : []), ...args], {
    cwd: ROOT,
    env: { ...env, ...(opts.token ? { KEDGE_TOKEN: opts.token } : {}), ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin.end(opts.input ?? '');
  return new Promise((res) => child.once('exit', (code) => res({ code, stdout, stderr })));
}

/**
 * Follows one object through the API's watch stream until `predicate` holds: waits on events,
 * not on a timer (the test's own timeout bounds it).
 */
export async function waitForObject<T = any>(
  apiUrl: string,
  collectionPath: string,
  name: string,
  predicate: (obj: T) => boolean,
): Promise<T> {
  const ac = new AbortController();
  try {
    const res = await fetch(`${apiUrl}${collectionPath}?watch=true`, { signal: ac.signal });
    if (!res.ok || !res.body) throw new Error(`watch ${collectionPath}: HTTP ${res.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as { type: string; object: T & { metadata: { name: string } } };
        if (ev.object.metadata?.name === name && ev.type !== 'DELETED' && predicate(ev.object)) return ev.object;
      }
    }
    throw new Error(`watch ${collectionPath} ended before ${name} matched`);
  } finally {
    ac.abort();
  }
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with a chosen Host header (fetch ignores Host; gateways route on it). */
export function request(gatewayUrl: string, host: string, path = '/', method = 'GET'): Promise<HttpResult> {
  return requestWith(gatewayUrl, { host }, path, method);
}

/** One HTTP request with the given headers, Host among them (the gateway's and runner's routing headers). */
export function requestWith(
  url: string,
  headers: Record<string, string>,
  path = '/',
  method = 'GET',
  body?: string,
): Promise<HttpResult> {
  const u = new URL(url);
  return new Promise((res, rej) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, method, headers, agent: false }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: text }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end(body);
  });
}
