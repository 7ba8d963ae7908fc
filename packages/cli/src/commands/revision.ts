import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Revision, Route } from '@kedge/core';
import { connect, type GlobalFlags } from '../client.js';
import { scaleRevision } from '../bench/kedge.js';
import { formatTable } from '../table.js';
import { age, conditionSummary, describeConditions, fields, readyOf } from '../kn/format.js';

const SERVICE = 'serving.knative.dev/service';
const CONFIGURATION = 'serving.knative.dev/configuration';
const GENERATION = 'serving.knative.dev/configurationGeneration';

/** Percent and tags each revision gets from the Routes' resolved traffic. */
function routing(routes: Route[]): Map<string, { percent: number; tags: string[] }> {
  const out = new Map<string, { percent: number; tags: string[] }>();
  for (const r of routes)
    for (const t of r.status?.traffic ?? []) {
      if (!t.revisionName) continue;
      const e = out.get(`${r.metadata.namespace}/${t.revisionName}`) ?? { percent: 0, tags: [] };
      e.percent += t.percent ?? 0;
      if (t.tag) e.tags.push(t.tag);
      out.set(`${r.metadata.namespace}/${t.revisionName}`, e);
    }
  return out;
}

function describe(rev: Revision, route: { percent: number; tags: string[] } | undefined, now = Date.now()): string {
  const c = rev.spec.containers[0];
  const env = (c?.env ?? []).map((e) => `${e.name}=${e.value ?? '(from source)'}`).join(', ');
  const ann = Object.entries(rev.metadata.annotations ?? {})
    .filter(([k]) => k.startsWith('autoscaling.knative.dev/'))
    .map(([k, v]) => `${k.slice('autoscaling.knative.dev/'.length)}=${v}`)
    .join(', ');
  return `${fields([
    ['Name', rev.metadata.name],
    ['Namespace', rev.metadata.namespace],
    ['Age', age(rev.metadata.creationTimestamp, now)],
    ['Image', c?.image],
    ['Command', c?.command ? [...c.command, ...(c.args ?? [])].join(' ') : undefined],
    ['Env', env],
    ['Autoscaling', ann],
    [
      'Concurrency',
      `Limit: ${rev.spec.containerConcurrency ?? 0}${rev.spec.timeoutSeconds ? `  Timeout: ${rev.spec.timeoutSeconds}s` : ''}`,
    ],
    ['Service', rev.metadata.labels?.[SERVICE]],
    [
      'Configuration',
      `${rev.metadata.labels?.[CONFIGURATION] ?? ''} (generation ${rev.metadata.labels?.[GENERATION] ?? '?'})`,
    ],
    ['Traffic', route ? `${route.percent}%${route.tags.length ? ` #${route.tags.join(' #')}` : ''}` : '0%'],
    ['Replicas', `${rev.status?.actualReplicas ?? 0}/${rev.status?.desiredReplicas ?? 0} (actual/desired)`],
  ])}\n${describeConditions(rev, now)}`;
}

export function register(program: Command): void {
  const revision = program
    .command('revision')
    .alias('rev')
    .description('inspect, scale and delete Revisions (kn revision …)');

  revision
    .command('list')
    .alias('ls')
    .description('list revisions, newest first, with the traffic each receives')
    .option('-s, --service <name>', 'only revisions of this service')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .action(async (opts: { service?: string; namespace: string; allNamespaces?: boolean }) => {
      const client = connect(program.opts() as GlobalFlags);
      const ns = opts.allNamespaces ? undefined : opts.namespace;
      const revs = (
        await client.list<Revision>('Revision', ns, opts.service ? `${SERVICE}=${opts.service}` : undefined)
      ).items;
      if (!revs.length) {
        process.stdout.write(`No revisions found${ns ? ` in namespace '${ns}'` : ''}.\n`);
        return;
      }
      const traffic = routing((await client.list<Route>('Route', ns)).items);
      revs.sort(
        (a, b) =>
          (a.metadata.labels?.[SERVICE] ?? '').localeCompare(b.metadata.labels?.[SERVICE] ?? '') ||
          Number(b.metadata.labels?.[GENERATION] ?? 0) - Number(a.metadata.labels?.[GENERATION] ?? 0),
      );
      const headers = ['NAME', 'SERVICE', 'TRAFFIC', 'TAGS', 'GENERATION', 'AGE', 'CONDITIONS', 'READY', 'REASON'];
      const rows = revs.map((r) => {
        const t = traffic.get(`${r.metadata.namespace}/${r.metadata.name}`);
        const row = [
          r.metadata.name,
          r.metadata.labels?.[SERVICE],
          t ? `${t.percent}%` : '',
          t?.tags.join(',') ?? '',
          r.metadata.labels?.[GENERATION],
          age(r.metadata.creationTimestamp),
          conditionSummary(r),
          ...readyOf(r),
        ];
        return opts.allNamespaces ? [r.metadata.namespace, ...row] : row;
      });
      process.stdout.write(`${formatTable(opts.allNamespaces ? ['NAMESPACE', ...headers] : headers, rows)}\n`);
    });

  revision
    .command('describe')
    .description('show a revision: image, env, scaling, traffic, conditions')
    .argument('<name>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-o, --output <format>', 'json or yaml instead of the description')
    .action(async (name: string, opts: { namespace: string; output?: string }) => {
      const client = connect(program.opts() as GlobalFlags);
      const rev = await client.get<Revision>('Revision', opts.namespace, name);
      if (opts.output === 'json') return void process.stdout.write(`${JSON.stringify(rev, null, 2)}\n`);
      if (opts.output === 'yaml') return void process.stdout.write(stringify(rev));
      if (opts.output) throw new Error('--output: must be json or yaml');
      const traffic = routing((await client.list<Route>('Route', opts.namespace)).items);
      process.stdout.write(describe(rev, traffic.get(`${opts.namespace}/${name}`)));
    });

  revision
    .command('scale')
    .description(
      'admin verb: stop every instance now, bypassing the scale-to-zero grace period (the next request is a cold start; the autoscaler then decides as usual)',
    )
    .argument('<name>', 'revision name, e.g. helloworld-00001')
    .requiredOption('--to <n>', 'instance count (only 0: above zero the autoscaler decides)', (v) => {
      if (v.trim() !== '0')
        throw new Error(`--to: only 0 is supported, got "${v}" (above zero the autoscaler decides)`);
      return 0;
    })
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (name: string, o: { to: number; namespace: string }) => {
      const client = connect(program.opts() as GlobalFlags);
      const reply = await scaleRevision(client, { namespace: o.namespace, revision: name }, o.to);
      process.stdout.write(
        `revision ${o.namespace}/${name} scaled to ${o.to}${reply.stopped !== undefined ? ` (${reply.stopped} instance(s) stopped)` : ''}\n`,
      );
    });

  revision
    .command('delete')
    .description('delete revisions (a revision still receiving traffic leaves its route not ready)')
    .argument('<names...>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (names: string[], opts: { namespace: string }) => {
      const client = connect(program.opts() as GlobalFlags);
      for (const name of names) {
        await client.delete('Revision', opts.namespace, name);
        process.stdout.write(`Revision '${name}' deleted in namespace '${opts.namespace}'.\n`);
      }
    });
}
