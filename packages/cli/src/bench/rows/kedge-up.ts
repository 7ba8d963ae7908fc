import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from '../../client.js';
import { startChild } from '../child.js';
import { kedgeUpArgs, targetOfService, waitServiceReady, type BenchTarget } from '../kedge.js';
import type { SuiteContext } from '../suite/context.js';
import type { Target } from './target.js';

/** The suite's own `kedge up`, serving the hello service, and the other revisions applied to it. */
export interface KedgeUp {
  client: Client;
  gateway: string;
  api: string;
  pid: number;
  /** The hello service's revision: the headline rows. */
  target: BenchTarget;
  processTarget?: BenchTarget;
  containerTarget?: BenchTarget;
  jsTarget?: BenchTarget;
  /** Its load row, through the gateway. */
  row: Target;
}

/** A fresh `kedge up` on free ports with the hello service applied; undefined (and named) if it did not serve it. */
export async function startKedgeUp(ctx: SuiteContext): Promise<KedgeUp | undefined> {
  try {
    const dataDir = await mkdtemp(join(tmpdir(), 'kedge-bench-'));
    ctx.removeAtEnd(dataDir);
    const extra = ['--allow-process-revisions', '--apply', ctx.manifest];
    const { args, http, api } = await kedgeUpArgs(ctx.cli, dataDir, extra);
    // The process example's command is relative to the repository root.
    const up = await startChild(process.execPath, args, /Ctrl-C stops it/, { timeoutMs: 90_000, cwd: ctx.root });
    ctx.children.push(up);
    const client = createClient(`http://127.0.0.1:${api}`, {
      token: (await readFile(join(dataDir, 'token'), 'utf8')).trim(),
    });
    const gateway = `http://127.0.0.1:${http}`;
    const svc = await waitServiceReady(client, 'example', 'helloworld', 60_000);
    const target = await targetOfService(client, svc.metadata.namespace, svc.metadata.name);
    return {
      client,
      gateway,
      api: `http://127.0.0.1:${api}`,
      pid: up.pid,
      target,
      row: {
        key: 'gateway',
        label: 'Kedge: gateway → runner (kedge up)',
        url: `${gateway}/`,
        host: target.host,
        pid: up.pid,
        setup: `kedge up --data-dir $(mktemp -d) --apply examples/helloworld/service.yaml`,
        flags: '--service helloworld -n example',
        revision: target,
      },
    };
  } catch (err) {
    ctx.missing('everything through Kedge (kedge up did not serve the hello service)', err);
    return undefined;
  }
}
