import type { Command } from 'commander';
import { createLogger } from '@kedge/core';
import { installSafetyNet } from '../roles/safety-net.js';
import { DEFAULT_PORTS, type ListenerName } from '../roles/compose.js';
import { stopOnSignals } from '../roles/signals.js';
import { startRole, type RoleName, type RoleOptions } from '../roles/start.js';
import { listenFlag, type ListenAddress } from '../listen.js';
import { httpUrl, port, positive } from './flags.js';

const ROLE_HELP: Record<RoleName, string> = {
  api: 'run the control plane (REST API + reconcilers) as its own process on NATS',
  gateway: 'run a gateway (routing + activator) as its own process on NATS; any number of them',
  runner: 'run a runner node (hosts instances) as its own process on NATS; any number of them',
  autoscaler: 'run an autoscaler replica as its own process on NATS; replicas share the revisions',
};

interface RoleFlags {
  nats?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  id?: string;
  nodeId?: string;
  dataDir?: string;
  httpPort?: number;
  httpsPort?: number;
  adminPort?: number;
  apiPort?: number;
  runnerPort?: number;
  capacity?: number;
  gatewayUrl?: string;
  listen?: ListenAddress;
  adminListen?: ListenAddress;
  advertise?: string;
  logLevel: string;
}

/** Each role's main listener, what `--listen` moves. */
const MAIN_LISTENER: Partial<Record<RoleName, ListenerName>> = { api: 'api', gateway: 'gateway', runner: 'runner' };
const LISTEN_HELP: Partial<Record<RoleName, string>> = {
  api: 'API address (overrides --api-port; default 127.0.0.1); elsewhere every request needs the token and other machines must use https',
  gateway: 'request address, e.g. 0.0.0.0:8080 for public traffic (overrides --http-port; default 127.0.0.1)',
  runner:
    "HTTP entry for other nodes' gateways (overrides --runner-port; default 127.0.0.1); serves only holders of the cluster token",
};

/** `kedge api|gateway|runner|autoscaler --nats URL`: one role per process (docs/nats.md). */
export function register(program: Command): void {
  for (const role of ['api', 'gateway', 'runner', 'autoscaler'] as const) {
    const cmd = program
      .command(role)
      .description(ROLE_HELP[role])
      .option('--nats <url>', 'NATS server URL(s), comma-separated (env KEDGE_NATS_URL)', process.env.KEDGE_NATS_URL)
      .option('--nats-user <user>', 'NATS user (env KEDGE_NATS_USER)')
      .option('--nats-password <password>', 'NATS password (env KEDGE_NATS_PASSWORD)')
      .option('--nats-token <token>', 'NATS token (env KEDGE_NATS_TOKEN)')
      .option('--data-dir <dir>', 'local state: restart count, blob cache (default .kedge/<role>-<id>)')
      .option('--log-level <level>', 'debug, info, warn, error', process.env.KEDGE_LOG_LEVEL ?? 'info');
    if (role === 'runner') {
      cmd
        .option('--node-id <id>', "this runner node's id (default <hostname>-<pid>)")
        .option(
          '--runner-port <port>',
          'HTTP entry remote gateways forward to (0 = any free port)',
          port('--runner-port'),
          DEFAULT_PORTS.runner,
        )
        .option('--capacity <n>', 'most instances this node hosts', positive('--capacity'))
        .option(
          '--gateway-url <url>',
          "gateway for guests' service-to-service calls (default: one announced on the bus, this node's first)",
          httpUrl('--gateway-url'),
        );
    } else {
      cmd
        .option('--id <id>', `this ${role} instance's id (default ${role}-<hostname>-<pid>)`)
        .option('--node-id <id>', 'the machine it runs on, as shown by `kedge get components`');
    }
    if (role === 'gateway') {
      cmd
        .option('--http-port <port>', 'request port (0 = any free port)', port('--http-port'), DEFAULT_PORTS.gateway)
        .option(
          '--https-port <port>',
          "HTTPS port for DomainMappings' TLS (off unless given; 0 = any free port)",
          port('--https-port'),
        )
        .option(
          '--admin-port <port>',
          'Prometheus /metrics port (0 = any free port)',
          port('--admin-port'),
          DEFAULT_PORTS.admin,
        );
    }
    if (role === 'api')
      cmd.option('--api-port <port>', 'API port (0 = any free port)', port('--api-port'), DEFAULT_PORTS.api);
    const listenHelp = LISTEN_HELP[role];
    if (listenHelp) cmd.option('--listen <host:port>', listenHelp, listenFlag('--listen'));
    if (role === 'gateway')
      cmd.option(
        '--admin-listen <host:port>',
        '/metrics address (overrides --admin-port; default 127.0.0.1)',
        listenFlag('--admin-listen'),
      );
    if (role === 'gateway' || role === 'runner')
      cmd.option(
        '--advertise <url>',
        'URL other nodes reach this listener at (default: the bound address, or the first non-internal IPv4)',
        httpUrl('--advertise'),
      );

    cmd.action(async (flags: RoleFlags) => {
      const logger = createLogger({ level: flags.logLevel, name: `kedge-${role}` });
      installSafetyNet(logger);
      const opts: RoleOptions = { role, nats: flags.nats ?? '', logger };
      // The global --token-file (bin.ts); KEDGE_TOKEN / KEDGE_TOKEN_FILE are read by startRole.
      const tokenFile = (program.opts() as { tokenFile?: string }).tokenFile;
      if (tokenFile) opts.tokenFile = tokenFile;
      for (const key of [
        'natsUser',
        'natsPassword',
        'natsToken',
        'id',
        'nodeId',
        'dataDir',
        'capacity',
        'gatewayUrl',
        'advertise',
      ] as const) {
        if (flags[key] !== undefined) (opts as unknown as Record<string, unknown>)[key] = flags[key];
      }
      const ports: Partial<Record<ListenerName, number>> = {};
      const portFlags = {
        gateway: flags.httpPort,
        https: flags.httpsPort,
        admin: flags.adminPort,
        api: flags.apiPort,
        runner: flags.runnerPort,
      };
      for (const [name, value] of Object.entries(portFlags))
        if (value !== undefined) ports[name as ListenerName] = value;
      opts.ports = ports;
      const listen: Partial<Record<ListenerName, ListenAddress>> = {};
      const main = MAIN_LISTENER[role];
      if (main && flags.listen) listen[main] = flags.listen;
      if (flags.adminListen) listen.admin = flags.adminListen;
      opts.listen = listen;
      const running = await startRole(opts);
      stopOnSignals({ name: role, logger, stop: () => running.stop() });
      // One parseable line on stdout: scripts and tests wait for it instead of sleeping.
      const where = Object.entries(running.urls)
        .map(([k, v]) => ` ${k}=${v}`)
        .join('');
      process.stdout.write(`kedge ${role} ready id=${running.id} node=${running.nodeId}${where}\n`);
    });
  }
}
