import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  dockerConfigCredentials,
  imageWithDigest,
  isWasmComponent,
  parseImageReference,
  pushWasmComponent,
  RegistryClient,
} from '@kedge/core';
import { connect, type GlobalFlags } from '../client.js';

interface PushOptions {
  insecure?: boolean;
  username?: string;
}

async function readComponent(file: string): Promise<Uint8Array> {
  const path = resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    throw new Error(`FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!isWasmComponent(bytes))
    throw new Error(
      `FILE: ${path} is not a WebAssembly component (a core module or another file); build it as a wasi:http/proxy component`,
    );
  return bytes;
}

/**
 * Publishes to a registry as a wasm OCI artifact, returning `registry/repo@sha256:…`. Credentials: `--username`
 * with the password in KEDGE_REGISTRY_PASSWORD (not a flag, so it stays out of the process list and shell
 * history), else what `docker login` / `podman login` stored.
 */
async function pushToRegistry(bytes: Uint8Array, target: string, opts: PushOptions): Promise<string> {
  const ref = parseImageReference(target);
  if (!ref)
    throw new Error(
      `REF: "${target}" is not a registry reference like 127.0.0.1:5000/hello:v1 (a host with a port or a dot, a repository, a tag)`,
    );
  if (ref.digest) throw new Error(`REF: "${target}" pins a digest; give a tag (the digest is what push prints)`);
  const password = process.env.KEDGE_REGISTRY_PASSWORD;
  if (opts.username && password === undefined)
    throw new Error('--username needs the password in KEDGE_REGISTRY_PASSWORD');
  const client = new RegistryClient({
    ...(opts.insecure ? { insecureRegistries: [ref.registry] } : {}),
    credentials: opts.username ? () => ({ username: opts.username!, password: password! }) : dockerConfigCredentials(),
  });
  return pushWasmComponent(client, { ...ref, tag: ref.tag ?? 'latest' }, bytes, new Date());
}

export function register(program: Command): void {
  program
    .command('push')
    .description(
      "publish a component: with REF to an OCI registry as a wasm artifact, without REF to Kedge's component store; " +
        "prints the reference to put in a manifest's image:",
    )
    .argument('<file>', 'a WebAssembly component (.wasm)')
    .argument('[ref]', 'registry/repository:tag, e.g. 127.0.0.1:5000/hello:v1')
    .option('--insecure', 'plain HTTP to this registry (loopback registries always use it)')
    .option('--username <user>', 'registry user; the password is read from KEDGE_REGISTRY_PASSWORD')
    .action(async (file: string, ref: string | undefined, opts: PushOptions) => {
      const bytes = await readComponent(file);
      if (ref) {
        process.stdout.write(`${await pushToRegistry(bytes, ref, opts)}\n`);
        return;
      }
      const { digest } = await connect(program.opts() as GlobalFlags).uploadBlob(bytes);
      process.stdout.write(`${imageWithDigest(basename(file), digest)}\n`);
    });
}
