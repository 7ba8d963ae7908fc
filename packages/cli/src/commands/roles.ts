import type { Command } from 'commander';
import { createLogger } from '@kedge/core';
import { installSafetyNet } from '../roles/safety-net.js';
import { startRole, type RoleName, type RoleOptions } from '../roles/start.js';

function port(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag}: "${v}" is not a port number (0-65535)`);
    return n;
  };
}

function positive(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: "${v}" is not a positive integer`);
    return n;
  };
}

function httpUrl(flag: string) {
  return (v: string) => {
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      // Reported below.
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || (u.pathname !== '/' && u.pathname !== ''))
      throw new Error(`${flag}: "${v}" is not a gateway address like http://10.0.0.5:8080`);
    return u.origin;
  };
}

/** A graceful stop (listeners closed, runner drained) gets this long before the process just exits. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

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
  adminPort?: number;
  apiPort?: number;
  runnerPort?: number;
  capacity?: number;
  gatewayUrl?: string;
  logLevel: string;
}

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
        .option('--node-id <id>', 'this runner node\'s id (default <hostname>-<pid>)')
        .option('--runner-port <port>', 'HTTP entry remote gateways forward to (0 = any free port)', port('--runner-port'), 8012)
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
        .option('--http-port <port>', 'request port (0 = any free port)', port('--http-port'), 8080)
        .option('--admin-port <port>', 'Prometheus /metrics port (0 = any free port)', port('--admin-port'), 9090);
    }
    if (role === 'api') cmd.option('--api-port <port>', 'API port (0 = any free port)', port('--api-port'), 8090);

    cmd.action(async (flags: RoleFlags) => {
      const logger = createLogger({ level: flags.logLevel, name: `kedge-${role}` });
      installSafetyNet(logger);
      const opts: RoleOptions = { role, nats: flags.nats ?? '', logger };
      // The global --token-file (bin.ts); KEDGE_TOKEN / KEDGE_TOKEN_FILE are read by startRole.
      const tokenFile = (program.opts() as { tokenFile?: string }).tokenFile;
      if (tokenFile) opts.tokenFile = tokenFile;
      for (const key of ['natsUser', 'natsPassword', 'natsToken', 'id', 'nodeId', 'dataDir', 'httpPort', 'adminPort', 'apiPort', 'runnerPort', 'capacity', 'gatewayUrl'] as const) {
        if (flags[key] !== undefined) (opts as unknown as Record<string, unknown>)[key] = flags[key];
      }
      const running = await startRole(opts);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) {
          // A second signal: the operator does not want to wait for the drain.
          logger.warn({ signal }, `${role}: stopping at once`);
          process.exit(1);
        }
        stopping = true;
        logger.info({ signal }, `stopping ${role}`);
        setTimeout(() => {
          logger.error(`${role} did not stop within ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`);
          process.exit(1);
        }, SHUTDOWN_TIMEOUT_MS).unref();
        await running.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
      // One parseable line on stdout: scripts and tests wait for it instead of sleeping.
      const where = Object.entries(running.urls).map(([k, v]) => ` ${k}=${v}`).join('');
      process.stdout.write(`kedge ${role} ready id=${running.id} node=${running.nodeId}${where}\n`);
    });
  }
}
