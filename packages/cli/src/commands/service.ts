import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { Revision, Service } from '@kedge/core';
import { ApiError, connect, type Client, type GlobalFlags } from '../client.js';
import { formatTable } from '../table.js';
import { age, conditionSummary, describeConditions, fields, readyOf, trafficLine } from '../kn/format.js';
import { resolveImage } from '../kn/image.js';
import { editTraffic, pairs } from '../kn/traffic.js';
import { waitForService } from '../kn/wait.js';

const collect = (v: string, acc: string[]) => [...acc, v];
const AUTOSCALING = 'autoscaling.knative.dev/';

export interface TemplateFlags {
  image?: string;
  env: string[];
  annotation: string[];
  label: string[];
  concurrencyLimit?: string;
  scaleMin?: string;
  scaleMax?: string;
  revisionName?: string;
  cmd?: string;
  arg: string[];
  traffic: string[];
  tag: string[];
  untag: string[];
}

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: expected a non-negative integer, got "${v}"`);
  return n;
}

/** Applies `K=V` (set) and `K-` (remove) edits to a map. */
function editMap(
  map: Record<string, string> | undefined,
  edits: string[],
  flag: string,
): Record<string, string> | undefined {
  const out = { ...map };
  for (const e of edits) {
    if (e.endsWith('-') && !e.includes('=')) delete out[e.slice(0, -1)];
    else for (const [k, v] of pairs([e], flag)) out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Turns kn-style flags into the Service's desired state (both for create and update). Autoscaling
 * annotations go on the revision template only (Knative rejects them on the Service itself).
 */
export async function applyFlags(
  svc: Service,
  f: TemplateFlags,
  upload: Client['uploadBlob'],
  updating: boolean,
): Promise<void> {
  const before = JSON.stringify(svc.spec.template);
  const tmpl = svc.spec.template;
  tmpl.metadata ??= {};
  const c = (tmpl.spec.containers[0] ??= { image: '' });
  if (f.image) c.image = await resolveImage(f.image, upload);
  if (!c.image)
    throw new Error(
      '--image: required (a ./file.wasm component, or an image reference for a process revision with --cmd)',
    );
  if (f.env.length) {
    const env = new Map((c.env ?? []).map((e) => [e.name, e] as const));
    for (const e of f.env) {
      if (e.endsWith('-') && !e.includes('=')) env.delete(e.slice(0, -1));
      else for (const [name, value] of pairs([e], '--env')) env.set(name, { name, value });
    }
    if (env.size) c.env = [...env.values()];
    else delete c.env;
  }
  if (f.cmd !== undefined) c.command = [f.cmd];
  if (f.arg.length) c.args = f.arg;
  const limit = count('--concurrency-limit', f.concurrencyLimit);
  if (limit !== undefined) tmpl.spec.containerConcurrency = limit;

  const revAnn = f.annotation.slice();
  const minScale = count('--scale-min', f.scaleMin);
  const maxScale = count('--scale-max', f.scaleMax);
  if (minScale !== undefined) revAnn.push(`${AUTOSCALING}min-scale=${minScale}`);
  if (maxScale !== undefined) revAnn.push(`${AUTOSCALING}max-scale=${maxScale}`);
  const ann = editMap(tmpl.metadata.annotations, revAnn, '--annotation');
  if (ann) tmpl.metadata.annotations = ann;
  else delete tmpl.metadata.annotations;
  const svcAnn = editMap(
    svc.metadata.annotations,
    f.annotation.filter((a) => !a.startsWith(AUTOSCALING)),
    '--annotation',
  );
  if (svcAnn) svc.metadata.annotations = svcAnn;
  else delete svc.metadata.annotations;
  if (f.label.length) {
    svc.metadata.labels = editMap(svc.metadata.labels, f.label, '--label');
    tmpl.metadata.labels = editMap(tmpl.metadata.labels, f.label, '--label');
  }

  const name = svc.metadata.name;
  if (f.revisionName) {
    const n = f.revisionName.replace(/\{\{\s*\.Service\s*\}\}/g, name);
    tmpl.metadata.name = n.startsWith(`${name}-`) ? n : `${name}-${n}`;
  } else if (updating && JSON.stringify(tmpl) !== before) {
    // A template name can be used once; a changed template without a new name gets a generated one.
    delete tmpl.metadata.name;
  }
  if (!Object.keys(tmpl.metadata).length) delete tmpl.metadata;

  const traffic = editTraffic(svc.spec.traffic, { traffic: f.traffic, tag: f.tag, untag: f.untag });
  if (traffic) svc.spec.traffic = traffic;
}

function templateOptions(cmd: Command, imageRequired: boolean): Command {
  return cmd
    .option(
      '--image <path|ref>',
      `${imageRequired ? '(required) ' : ''}a ./file.wasm component (uploaded) or an image reference`,
    )
    .option('-e, --env <K=V>', 'environment variable (repeatable; K- removes)', collect, [])
    .option('-a, --annotation <K=V>', 'annotation for the service and revision (repeatable; K- removes)', collect, [])
    .option('-l, --label <K=V>', 'label for the service and revision (repeatable; K- removes)', collect, [])
    .option('--concurrency-limit <n>', 'hard limit of concurrent requests per instance (containerConcurrency)')
    .option('--scale-min <n>', 'minimum number of instances (autoscaling.knative.dev/min-scale)')
    .option('--scale-max <n>', 'maximum number of instances (autoscaling.knative.dev/max-scale)')
    .option('--revision-name <name>', 'name of the new revision; prefixed with "<service>-" when it is not')
    .option('--cmd <command>', 'run a process instead of a component (process revision)')
    .option('--arg <arg>', 'argument for --cmd (repeatable)', collect, [])
    .option(
      '--traffic <REV=PCT>',
      'traffic split: revision, tag or @latest = percent (repeatable, comma-separated)',
      collect,
      [],
    )
    .option('--tag <REV=TAG>', 'tag a revision or @latest; it gets its own URL (repeatable)', collect, [])
    .option('--untag <TAG>', 'remove a tag (repeatable)', collect, [])
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('--no-wait', 'return without waiting for the service to become ready')
    .option('--wait-timeout <seconds>', 'how long to wait for readiness', '60');
}

type Opts = TemplateFlags & { namespace: string; wait: boolean; waitTimeout: string; force?: boolean };

async function report(apiUrl: string, svc: Service, verb: 'created' | 'updated', opts: Opts): Promise<void> {
  const ns = svc.metadata.namespace;
  const name = svc.metadata.name;
  if (!opts.wait) {
    process.stdout.write(`Service '${name}' ${verb} in namespace '${ns}'.\n`);
    return;
  }
  const ready = await waitForService(apiUrl, ns, name, Number(opts.waitTimeout) * 1000);
  const latest = ready.status?.latestReadyRevisionName ?? ready.status?.latestCreatedRevisionName;
  process.stdout.write(
    `Service '${name}' ${verb} to latest revision '${latest}' is available at URL:\n${ready.status?.url}\n`,
  );
  const tagged = (ready.status?.traffic ?? []).filter((t) => t.tag);
  if (tagged.length)
    process.stdout.write(`Tags:\n${tagged.map((t) => `  #${t.tag}  ${t.revisionName}  ${t.url}`).join('\n')}\n`);
}

async function update(client: Client, ns: string, name: string, opts: Opts): Promise<Service> {
  for (let attempt = 0; ; attempt++) {
    const svc = await client.get<Service>('Service', ns, name);
    await applyFlags(svc, opts, client.uploadBlob, true);
    try {
      return await client.update(svc);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409) || attempt >= 4) throw err;
    }
  }
}

function describe(svc: Service, revisions: Revision[], now = Date.now()): string {
  const st = svc.status ?? {};
  let out = fields([
    ['Name', svc.metadata.name],
    ['Namespace', svc.metadata.namespace],
    ['Age', age(svc.metadata.creationTimestamp, now)],
    ['URL', st.url],
  ]);
  const labels = Object.entries(svc.metadata.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (labels) out += fields([['Labels', labels]]);
  out += '\nRevisions:\n';
  const traffic = st.traffic ?? [];
  if (!traffic.length) out += '  (no traffic assigned yet)\n';
  for (const t of traffic) {
    out += `${trafficLine(t)}\n`;
    const rev = revisions.find((r) => r.metadata.name === t.revisionName);
    if (rev) {
      const gen = rev.metadata.labels?.['serving.knative.dev/configurationGeneration'];
      out += `        Generation: ${gen ?? '?'}  Age: ${age(rev.metadata.creationTimestamp, now)}  Ready: ${readyOf(rev)[0]}\n`;
      out += `        Image:     ${rev.spec.containers[0]?.image ?? ''}\n`;
      out += `        Replicas:  ${rev.status?.actualReplicas ?? 0}/${rev.status?.desiredReplicas ?? 0}\n`;
    }
  }
  return `${out}\n${describeConditions(svc, now)}`;
}

export function register(program: Command): void {
  const api = () => program.opts().api as string;
  const service = program.command('service').alias('ksvc').description('manage Knative Services (kn service …)');

  templateOptions(service.command('create').description('create a service').argument('<name>'), true)
    .option('--force', 'replace the service if it exists')
    .action(async (name: string, opts: Opts) => {
      const client = connect(program.opts() as GlobalFlags);
      if (!opts.image) throw new Error('--image: required (a ./file.wasm component, or an image reference with --cmd)');
      const svc: Service = {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name, namespace: opts.namespace },
        spec: { template: { spec: { containers: [{ image: '' }] } } },
      };
      await applyFlags(svc, opts, client.uploadBlob, false);
      let verb: 'created' | 'updated' = 'created';
      try {
        await client.create(svc);
      } catch (err) {
        if (!(opts.force && err instanceof ApiError && err.status === 409)) throw err;
        const existing = await client.get<Service>('Service', opts.namespace, name);
        await client.update({
          ...svc,
          metadata: { ...svc.metadata, resourceVersion: existing.metadata.resourceVersion! },
        });
        verb = 'updated';
      }
      await report(api(), svc, verb, opts);
    });

  templateOptions(
    service
      .command('update')
      .description('update a service (a changed template makes a new revision)')
      .argument('<name>'),
    false,
  ).action(async (name: string, opts: Opts) => {
    const client = connect(program.opts() as GlobalFlags);
    const svc = await update(client, opts.namespace, name, opts);
    await report(api(), svc, 'updated', opts);
  });

  service
    .command('list')
    .alias('ls')
    .description('list services')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-A, --all-namespaces', 'list across all namespaces')
    .action(async (opts: { namespace: string; allNamespaces?: boolean }) => {
      const client = connect(program.opts() as GlobalFlags);
      const { items } = await client.list<Service>('Service', opts.allNamespaces ? undefined : opts.namespace);
      if (!items.length) {
        process.stdout.write(`No services found${opts.allNamespaces ? '' : ` in namespace '${opts.namespace}'`}.\n`);
        return;
      }
      const headers = ['NAME', 'URL', 'LATEST', 'AGE', 'CONDITIONS', 'READY', 'REASON'];
      const rows = items.map((s) => [
        s.metadata.name,
        s.status?.url,
        s.status?.latestReadyRevisionName,
        age(s.metadata.creationTimestamp),
        conditionSummary(s),
        ...readyOf(s),
      ]);
      const table = opts.allNamespaces
        ? formatTable(
            ['NAMESPACE', ...headers],
            rows.map((r, i) => [items[i]!.metadata.namespace, ...r]),
          )
        : formatTable(headers, rows);
      process.stdout.write(`${table}\n`);
    });

  service
    .command('describe')
    .description('show a service: URL, revisions with traffic, conditions')
    .argument('<name>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-o, --output <format>', 'json or yaml instead of the description')
    .action(async (name: string, opts: { namespace: string; output?: string }) => {
      const client = connect(program.opts() as GlobalFlags);
      const svc = await client.get<Service>('Service', opts.namespace, name);
      if (opts.output === 'json') return void process.stdout.write(`${JSON.stringify(svc, null, 2)}\n`);
      if (opts.output === 'yaml') return void process.stdout.write(stringify(svc));
      if (opts.output) throw new Error('--output: must be json or yaml');
      const revisions = (await client.list<Revision>('Revision', opts.namespace, `serving.knative.dev/service=${name}`))
        .items;
      process.stdout.write(describe(svc, revisions));
    });

  service
    .command('delete')
    .description('delete services (and their configurations, routes and revisions)')
    .argument('<names...>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (names: string[], opts: { namespace: string }) => {
      const client = connect(program.opts() as GlobalFlags);
      for (const name of names) {
        await client.delete('Service', opts.namespace, name);
        process.stdout.write(`Service '${name}' successfully deleted in namespace '${opts.namespace}'.\n`);
      }
    });
}
