import type { Command } from 'commander';
import { stringify } from 'yaml';
import {
  KIND_DEFINITIONS,
  kindDefinition,
  lookupKind,
  type AnyResource,
  type KindDefinition,
  type KindInfo,
} from '@kedge/core';
import { connect, type GlobalFlags } from '../client.js';
import { formatTable } from '../table.js';
import { CLUSTER_WORDS, getCluster } from '../roles/get-cluster.js';

const ALL: KindInfo[] = (KIND_DEFINITIONS as readonly KindDefinition[])
  .filter((d) => d.inCategoryAll)
  .map((d) => d.info);

function render(info: KindInfo, items: AnyResource[], allNamespaces: boolean, prefixKind: boolean): string {
  // The columns the API's tables have (each kind's printer columns), upper-cased as kubectl prints them.
  const cols = kindDefinition(info.kind)?.columns ?? [];
  const headers = ['NAME', ...cols.map((c) => c.name.toUpperCase())];
  if (allNamespaces) headers.unshift('NAMESPACE');
  const rows = items.map((o) => {
    const r: (string | number)[] = [o.metadata.name, ...cols.map((c) => c.cell(o))];
    if (prefixKind) r[0] = `${info.singular}.${info.group || 'core'}/${r[0]}`;
    return allNamespaces ? [o.metadata.namespace, ...r] : r;
  });
  return formatTable(headers, rows);
}

export function register(program: Command): void {
  program
    .command('get')
    .description(
      'list resources: services|configurations|revisions|routes|podautoscalers|serverlessservices|configmaps|' +
        'domainmappings|secrets|pods|events|all, and components|nodes',
    )
    .argument('<kind>', 'kind (plural, singular or short name: ksvc, rev, kpa, sks, …) or all')
    .argument('[name]', 'one object by name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .option('-l, --selector <selector>', 'label selector (a=b,c!=d)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(
      async (
        kindWord: string,
        name: string | undefined,
        opts: { namespace: string; allNamespaces?: boolean; selector?: string; output: string },
      ) => {
        const cluster = CLUSTER_WORDS[kindWord];
        if (cluster)
          return void process.stdout.write(`${await getCluster(program.opts().api as string, cluster, opts.output)}\n`);
        const client = connect(program.opts() as GlobalFlags);
        const kinds = kindWord === 'all' ? ALL : [lookupKind(kindWord)];
        if (!kinds[0])
          throw new Error(
            `unknown resource type "${kindWord}" (try services, revisions, routes, configurations, kpa, sks, dm, all)`,
          );
        if (!['table', 'json', 'yaml'].includes(opts.output))
          throw new Error(`--output: must be one of table, json, yaml`);
        const ns = opts.allNamespaces ? undefined : opts.namespace;
        const sections: string[] = [];
        const dump: AnyResource[] = [];
        for (const info of kinds as KindInfo[]) {
          const items = name
            ? [await client.get(info.kind, opts.namespace, name)]
            : (await client.list(info.kind, ns, opts.selector)).items;
          if (opts.output !== 'table') {
            dump.push(...items);
            continue;
          }
          if (items.length === 0) {
            if (kindWord !== 'all') sections.push(`No resources found${ns ? ` in ${ns} namespace` : ''}.`);
            continue;
          }
          sections.push(render(info, items, !!opts.allNamespaces, kindWord === 'all'));
        }
        if (opts.output === 'table') {
          if (sections.length === 0) sections.push(`No resources found${ns ? ` in ${ns} namespace` : ''}.`);
          process.stdout.write(`${sections.join('\n\n')}\n`);
          return;
        }
        const out = name && dump.length === 1 ? dump[0] : { apiVersion: 'v1', kind: 'List', items: dump };
        process.stdout.write(opts.output === 'json' ? `${JSON.stringify(out, null, 2)}\n` : stringify(out));
      },
    );
}
