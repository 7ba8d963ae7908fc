#!/usr/bin/env node
import { Command } from 'commander';
import { KEDGE_VERSION } from '@kedge/core';
import { register as apply } from './commands/apply.js';
import { register as bench } from './commands/bench.js';
import { register as del } from './commands/delete.js';
import { register as get } from './commands/get.js';
import { register as revision } from './commands/revision.js';
import { register as up } from './commands/up.js';
import { register as service } from './commands/service.js';
import { register as route } from './commands/route.js';
import { register as roles } from './commands/roles.js';
import { register as config } from './commands/config.js';
import { register as push } from './commands/push.js';
import { register as logs } from './commands/logs.js';

const program = new Command('kedge')
  .description("Kedge: Knative Serving's model on WebAssembly, no Kubernetes")
  .version(KEDGE_VERSION)
  .option('--api <url>', 'Kedge API address', process.env.KEDGE_API ?? 'http://127.0.0.1:8090')
  // Where the token comes from, first found wins: --token, KEDGE_TOKEN, --token-file / KEDGE_TOKEN_FILE, .kedge/token.
  .option('--token <token>', 'API bearer token (or KEDGE_TOKEN); writes need it')
  .option('--token-file <file>', 'file holding the API token (or KEDGE_TOKEN_FILE; default .kedge/token)');

// Each command lives in its own file under commands/ and registers itself here.
const registrations: ((p: Command) => void)[] = [
  up,
  apply,
  get,
  del,
  revision,
  bench,
  roles,
  service,
  route,
  config,
  push,
  logs,
];
for (const register of registrations) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
