import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkGcConfig } from '@kedge/api';
import {
  PROCESS_REVISIONS_FEATURE,
  SYSTEM_NAMESPACE,
  createLogger,
  redactNatsUrls,
  validateResource,
  type ConfigMap,
} from '@kedge/core';
import { applyObject, createClient, type GlobalFlags } from '../client.js';
import { waitForService } from '../kn/wait.js';
import { installSafetyNet } from '../roles/safety-net.js';
import { startEmbedded } from '../embedded.js';
import { DEFAULT_PORTS } from '../roles/compose.js';
import { stopOnSignals } from '../roles/signals.js';
import { port } from './flags.js';
import { listenFlag, type ListenAddress } from '../listen.js';
import { connectBackends } from '../roles/backends.js';
import { collectLocalImages, readManifests, uploadLocalImages } from '../manifests.js';
import { DEFAULT_DATA_DIR, serverToken, tokenFileOf } from '../token.js';

async function readConfigFile(file: string): Promise<ConfigMap[]> {
  const docs = await readManifests(file);
  return docs.map((d) => {
    const o = d.object;
    const where = `${d.source}: document ${d.index}`;
    if (o.kind !== 'ConfigMap') throw new Error(`${where}: kind: --config takes Knative ConfigMaps, not ${o.kind}`);
    if (o.metadata.namespace !== SYSTEM_NAMESPACE && o.metadata.namespace !== 'default')
      throw new Error(`${where}: metadata.namespace: Knative's ConfigMaps live in ${SYSTEM_NAMESPACE}`);
    const cm = { ...(o as ConfigMap), metadata: { ...o.metadata, namespace: SYSTEM_NAMESPACE } };
    // Stored directly (not through the API), so checked here as the API's admission would.
    const problems = [
      ...(validateResource(cm)?.problems ?? []),
      ...(cm.metadata.name === 'config-gc'
        ? checkGcConfig(cm.data).problems.map((p) => ({ ...p, path: `data.${p.path}` }))
        : []),
    ];
    if (problems.length)
      throw new Error(problems.map((p) => `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'));
    return cm;
  });
}

interface UpOptions {
  httpPort: number;
  httpsPort?: number;
  apiPort: number;
  runnerPort: number;
  adminPort: number;
  dataDir: string;
  config?: string;
  apply: string[];
  logLevel: string;
  nats?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  allowProcessRevisions?: boolean;
  listen?: ListenAddress;
  apiListen?: ListenAddress;
  runnerListen?: ListenAddress;
  adminListen?: ListenAddress;
}

export function register(program: Command): void {
  program
    .command('up')
    .description('run every role in one process (gateway, activator, api, autoscaler, runner)')
    .option('--http-port <port>', 'gateway port', port('--http-port'), DEFAULT_PORTS.gateway)
    .option(
      '--https-port <port>',
      "gateway HTTPS port for DomainMappings' TLS (off unless given)",
      port('--https-port'),
    )
    .option('--api-port <port>', 'API port', port('--api-port'), DEFAULT_PORTS.api)
    .option(
      '--runner-port <port>',
      "runner's HTTP entry (remote gateways, direct calls)",
      port('--runner-port'),
      DEFAULT_PORTS.runner,
    )
    .option('--admin-port <port>', 'Prometheus metrics (/metrics)', port('--admin-port'), DEFAULT_PORTS.admin)
    .option(
      '--listen <host:port>',
      'gateway address, e.g. 0.0.0.0:8080 for public traffic (overrides --http-port)',
      listenFlag('--listen'),
    )
    .option(
      '--api-listen <host:port>',
      'API address (overrides --api-port); off loopback every request needs the token and other machines must use https',
      listenFlag('--api-listen'),
    )
    .option(
      '--runner-listen <host:port>',
      "runner's HTTP entry for other nodes' gateways (overrides --runner-port)",
      listenFlag('--runner-listen'),
    )
    .option('--admin-listen <host:port>', 'metrics address (overrides --admin-port)', listenFlag('--admin-listen'))
    .option('--data-dir <dir>', 'where resources and components are stored', '.kedge')
    .option(
      '--config <file>',
      "YAML of ConfigMaps in knative-serving: Knative's (config-domain, config-autoscaler, config-defaults…) and Kedge's config-kedge-runner",
    )
    .option(
      '--apply <file>',
      'apply a manifest once ready (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--nats <url>',
      'run every role on NATS (Bus = NATS core, Store = JetStream KV) instead of the in-process bus and SQLite',
    )
    .option('--nats-user <user>', 'NATS user (or KEDGE_NATS_USER)')
    .option('--nats-password <password>', 'NATS password (or KEDGE_NATS_PASSWORD)')
    .option('--nats-token <token>', 'NATS token (or KEDGE_NATS_TOKEN)')
    .option(
      '--allow-process-revisions',
      `let Revisions run local processes (containers with \`command\`): sets ${PROCESS_REVISIONS_FEATURE}: enabled in config-features`,
    )
    .option('--log-level <level>', 'debug, info, warn, error', process.env.KEDGE_LOG_LEVEL ?? 'info')
    .action(async (opts: UpOptions) => {
      const flags = program.opts() as GlobalFlags;
      const logger = createLogger({ level: opts.logLevel });
      installSafetyNet(logger);
      const configMaps = opts.config ? await readConfigFile(opts.config) : [];
      // Manifests are read and checked before anything starts, so a typo fails fast.
      const manifests = [];
      for (const f of opts.apply) manifests.push(...(await readManifests(f)));
      const images = await collectLocalImages(manifests);

      const backends = await connectBackends({
        dataDir: opts.dataDir,
        logger,
        name: 'kedge-up',
        ...(opts.nats ? { nats: opts.nats } : {}),
        ...(opts.natsUser ? { natsUser: opts.natsUser } : {}),
        ...(opts.natsPassword ? { natsPassword: opts.natsPassword } : {}),
        ...(opts.natsToken ? { natsToken: opts.natsToken } : {}),
      });
      // Writes to the API need this token; kedge finds it in <data-dir>/token, kubectl via `kedge config kubeconfig`.
      const token = (await serverToken({
        ...(flags.tokenFile ? { tokenFile: flags.tokenFile } : {}),
        dataDir: opts.dataDir,
        create: true,
      }))!;
      const { httpPort, httpsPort, apiPort, runnerPort, adminPort, dataDir } = opts;
      const kedge = await startEmbedded({
        dataDir,
        ports: {
          gateway: httpPort,
          api: apiPort,
          runner: runnerPort,
          admin: adminPort,
          ...(httpsPort !== undefined ? { https: httpsPort } : {}),
        },
        listen: {
          ...(opts.listen ? { gateway: opts.listen } : {}),
          ...(opts.apiListen ? { api: opts.apiListen } : {}),
          ...(opts.runnerListen ? { runner: opts.runnerListen } : {}),
          ...(opts.adminListen ? { admin: opts.adminListen } : {}),
        },
        logger,
        configMaps,
        backends,
        token,
        ...((flags.tokenFile ?? process.env.KEDGE_TOKEN_FILE)
          ? { tlsDir: dirname(resolve((flags.tokenFile ?? process.env.KEDGE_TOKEN_FILE)!)) }
          : {}),
        ...(opts.allowProcessRevisions ? { features: { [PROCESS_REVISIONS_FEATURE]: 'enabled' } } : {}),
      });
      stopOnSignals({
        name: 'kedge up',
        logger,
        stop: () => kedge.stop(),
        announce: (signal) => process.stderr.write(`\n${signal}: stopping Kedge (draining in-flight requests)…\n`),
      });

      const out: string[] = [
        `Kedge is up.`,
        `  gateway  ${kedge.gatewayUrl}`,
        ...(kedge.gatewayHttpsUrl ? [`  https    ${kedge.gatewayHttpsUrl}`] : []),
        `  api      ${kedge.apiUrl}`,
        `  dashboard ${kedge.apiUrl}/dashboard`,
        `  runner   ${kedge.runnerUrl}`,
        `  metrics  ${kedge.adminUrl}/metrics`,
        `  backend  ${backends.mode === 'nats' ? `NATS ${redactNatsUrls(opts.nats ?? '')}` : `embedded (SQLite in ${opts.dataDir})`}`,
        tokenLine(flags.tokenFile ?? process.env.KEDGE_TOKEN_FILE, opts.dataDir),
      ];
      if (manifests.length) {
        const client = createClient(kedge.apiUrl, { token, onWarning: (w) => process.stderr.write(`Warning: ${w}\n`) });
        await uploadLocalImages(images, client.uploadBlob);
        for (const d of manifests) {
          const o = d.object;
          const outcome = await applyObject(client, o);
          out.push(`  ${outcome.padEnd(8)} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
          if (o.kind === 'Service') {
            // Ready, as `kedge apply` waits for: the route serves it, or why it cannot is printed.
            const ready = await waitForService(
              kedge.apiUrl,
              o.metadata.namespace,
              o.metadata.name,
              READY_TIMEOUT_MS,
            ).then(
              (svc) => svc.status?.url,
              (err: Error) => void out.push(`  not ready: ${err.message}`),
            );
            if (ready) out.push(`\nTry it:\n  curl -H 'Host: ${new URL(ready).host}' ${kedge.gatewayUrl}/`);
          }
        }
      }
      out.push(`\nCtrl-C stops it.`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}

/** How long `--apply` waits for a Service to be Ready before printing why not and going on. */
const READY_TIMEOUT_MS = 60_000;

/** Where the token is and how kubectl gets it; the CLI finds `.kedge/token` by itself, other paths need --token-file. */
function tokenLine(tokenFile: string | undefined, dataDir: string): string {
  if (process.env.KEDGE_TOKEN) return '  token    from KEDGE_TOKEN';
  const file = tokenFile ?? tokenFileOf(dataDir);
  const flag = resolve(file) === resolve(tokenFileOf(DEFAULT_DATA_DIR)) ? '' : ` --token-file ${file}`;
  return `  token    ${file} (kubectl: kedge${flag} config kubeconfig > kubeconfig)`;
}

/** The URL appears once the Route is reconciled; waits on the API briefly instead of guessing it. */
