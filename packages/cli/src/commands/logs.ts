import type { Command } from 'commander';
import { parseGoDuration } from '@kedge/core';
import type { GlobalFlags } from '../client.js';

/**
 * `kedge logs SERVICE [-f]`: what every instance of a service wrote (guest stdout/stderr, process
 * output), each line prefixed with its pod; `kedge logs pod/NAME` reads one instance, as
 * `kubectl logs NAME` does. Output is kept on the runner that ran the instance, a while after it stops.
 */
export function register(program: Command): void {
  program
    .command('logs')
    .description("print the output of a service's instances (or pod/NAME); -f follows")
    .argument('<name>', 'service name, or pod/NAME')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <lines>', 'only the last N lines of each instance')
    .option('--since <duration>', 'only lines newer than this (5s, 2m, 1h)')
    .option('--timestamps', 'prefix each line with its time')
    .action(
      async (
        name: string,
        opts: { namespace: string; follow?: boolean; tail?: string; since?: string; timestamps?: boolean },
      ) => {
        const q = new URLSearchParams();
        if (opts.follow) q.set('follow', 'true');
        if (opts.timestamps) q.set('timestamps', 'true');
        if (opts.tail !== undefined) {
          if (!/^\d+$/.test(opts.tail)) throw new Error(`--tail: must be a whole number of lines, got "${opts.tail}"`);
          q.set('tailLines', opts.tail);
        }
        if (opts.since !== undefined) {
          const ms = parseGoDuration(opts.since);
          if (ms === undefined || ms < 0)
            throw new Error(`--since: must be a duration like 30s, 5m or 1h, got "${opts.since}"`);
          q.set('sinceSeconds', String(Math.ceil(ms / 1000)));
        }
        const base = (program.opts() as GlobalFlags).api.replace(/\/+$/, '');
        const ns = encodeURIComponent(opts.namespace);
        const path = name.startsWith('pod/')
          ? `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(name.slice(4))}/log`
          : `/apis/kedge.dev/v1/namespaces/${ns}/services/${encodeURIComponent(name)}/logs`;
        let res: Response;
        try {
          res = await fetch(`${base}${path}?${q}`);
        } catch (err) {
          throw new Error(
            `cannot reach the Kedge API at ${base} (${(err as Error).message}); is \`kedge up\` running?`,
          );
        }
        if (!res.ok) {
          const text = await res.text();
          let message = text;
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? text;
          } catch {
            // not a Status
          }
          throw new Error(message || `HTTP ${res.status}`);
        }
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
      },
    );
}
