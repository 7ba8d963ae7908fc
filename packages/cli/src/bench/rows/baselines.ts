import { join } from 'node:path';
import { freePort } from '@kedge/core/testing';
import { startChild } from '../child.js';
import type { SuiteContext } from '../suite/context.js';
import type { Target } from './target.js';

/** A baseline server the suite starts beside Kedge: a node script that prints its URL once it listens. */
interface Baseline {
  key: string;
  label: string;
  args: (port: number) => string[];
  ready: RegExp;
  setup: (port: number) => string;
  url?: (match: RegExpMatchArray, port: number) => string;
  headers?: (match: RegExpMatchArray) => Record<string, string>;
  flags?: (match: RegExpMatchArray, port: number) => string;
}

const HELLO = 'examples/helloworld/build/helloworld.wasm';
const script = (name: string) => `packages/cli/dist/bench/baselines/${name}`;

async function launch(ctx: SuiteContext, b: Baseline): Promise<Target> {
  const port = await freePort();
  const child = await startChild(process.execPath, b.args(port), b.ready, { timeoutMs: 60_000 });
  ctx.children.push(child);
  return {
    key: b.key,
    label: b.label,
    url: b.url ? b.url(child.match, port) : `${child.match[1]}/`,
    ...(b.headers ? { headers: b.headers(child.match) } : {}),
    pid: child.pid,
    setup: b.setup(port),
    flags: b.flags ? b.flags(child.match, port) : `--url http://127.0.0.1:${port}/ --no-instances`,
  };
}

/** Bare Node http: the reference every ratio divides by, so without it the suite does not go on. */
export function startBareNode(ctx: SuiteContext): Promise<Target> {
  return launch(ctx, {
    key: 'node',
    label: 'bare Node http hello',
    args: (port) => [join(ctx.root, script('node-hello.js')), String(port)],
    ready: /listening on (\S+)/,
    setup: (port) => `node ${script('node-hello.js')} ${port}`,
  });
}

/**
 * The hello component hosted without Kedge: a lone runner, node:http into guest workers (the floor),
 * node:http calling the guest on its own thread (the ceiling), `jco serve`. One that does not start is
 * named as not measured; the others run.
 */
export async function startGuestBaselines(ctx: SuiteContext): Promise<Target[]> {
  const guest = (name: string) => ({
    args: (port: number) => [join(ctx.root, script(name)), ctx.component, String(port)],
    setup: (port: number) => `node ${script(name)} ${HELLO} ${port}`,
  });
  // `what`: how the page names it when it does not start.
  const baselines: (Baseline & { what: string })[] = [
    {
      key: 'direct',
      label: "instance called directly (runner's HTTP entry, 1 instance)",
      what: 'instance called directly through the runner',
      ...guest('runner-direct.js'),
      ready: /listening on (\S+) instance (\S+)/,
      headers: (m) => ({ 'kedge-instance': m[2]! }),
      flags: (m, port) => `--url http://127.0.0.1:${port}/ --header kedge-instance:${m[2]} --no-instances`,
    },
    // node:http servers around the guest, without Kedge: what hosting it costs by itself.
    {
      key: 'floor',
      label: 'node:http straight into 2 guest workers (the floor: no gateway, no queue)',
      what: 'the worker floor (node:http into guest workers)',
      ...guest('worker-floor.js'),
      ready: /listening on (\S+)/,
    },
    {
      key: 'in-thread',
      label: 'node:http calling the guest on its own thread (the ceiling: no isolation, not shippable)',
      what: 'the in-thread ceiling (node:http calling the guest itself)',
      ...guest('in-thread.js'),
      ready: /listening on (\S+)/,
    },
    {
      key: 'jco',
      label: '`jco serve` (same component)',
      what: '`jco serve` baseline',
      args: (port) => [
        join(ctx.root, 'node_modules/@bytecodealliance/jco/dist/jco.js'),
        'serve',
        ctx.component,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      ready: /listening @ (\S+)/,
      url: (_m, port) => `http://127.0.0.1:${port}/`,
      setup: (port) => `npx jco serve ${HELLO} --port ${port} --host 127.0.0.1`,
    },
  ];
  const targets: Target[] = [];
  for (const b of baselines) {
    try {
      targets.push(await launch(ctx, b));
    } catch (err) {
      ctx.missing(b.what, err);
    }
  }
  return targets;
}
