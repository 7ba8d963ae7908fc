import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Route } from '@kedge/core';
import { connect, type GlobalFlags } from '../client.js';
import { formatTable } from '../table.js';
import { age, describeConditions, fields, readyOf, trafficLine } from '../kn/format.js';

function describe(route: Route, now = Date.now()): string {
  const traffic = route.status?.traffic ?? [];
  return (
    fields([
      ['Name', route.metadata.name],
      ['Namespace', route.metadata.namespace],
      ['Age', age(route.metadata.creationTimestamp, now)],
      ['URL', route.status?.url],
      ['Address', route.status?.address?.url],
      ['Service', route.metadata.labels?.['serving.knative.dev/service']],
    ]) +
    `\nTraffic Targets:\n${traffic.length ? traffic.map(trafficLine).join('\n') : '  (none resolved yet)'}\n\n${describeConditions(route, now)}`
  );
}

export function register(program: Command): void {
  const route = program.command('route').alias('rt').description('inspect Routes (kn route …)');

  route
    .command('list')
    .alias('ls')
    .description('list routes')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .action(async (opts: { namespace: string; allNamespaces?: boolean }) => {
      const client = connect(program.opts() as GlobalFlags);
      const { items } = await client.list<Route>('Route', opts.allNamespaces ? undefined : opts.namespace);
      if (!items.length) {
        process.stdout.write(`No routes found${opts.allNamespaces ? '' : ` in namespace '${opts.namespace}'`}.\n`);
        return;
      }
      const headers = ['NAME', 'URL', 'READY'];
      const rows = items.map((r) => [
        ...(opts.allNamespaces ? [r.metadata.namespace] : []),
        r.metadata.name,
        r.status?.url,
        readyOf(r)[0],
      ]);
      process.stdout.write(`${formatTable(opts.allNamespaces ? ['NAMESPACE', ...headers] : headers, rows)}\n`);
    });

  route
    .command('describe')
    .description('show a route: URL, resolved traffic targets with tag URLs, conditions')
    .argument('<name>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-o, --output <format>', 'json or yaml instead of the description')
    .action(async (name: string, opts: { namespace: string; output?: string }) => {
      const r = await connect(program.opts() as GlobalFlags).get<Route>('Route', opts.namespace, name);
      if (opts.output === 'json') return void process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      if (opts.output === 'yaml') return void process.stdout.write(stringify(r));
      if (opts.output) throw new Error('--output: must be json or yaml');
      process.stdout.write(describe(r));
    });
}
