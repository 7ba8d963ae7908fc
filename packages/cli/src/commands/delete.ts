import type { Command } from 'commander';
import { lookupKind } from '@kedge/core';
import { connect, type GlobalFlags } from '../client.js';

export function register(program: Command): void {
  program
    .command('delete')
    .description('delete a resource (deleting a service deletes what it owns)')
    .argument('<kind>', 'service, configuration, revision, route, configmap')
    .argument('<name>')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (kindWord: string, name: string, opts: { namespace: string }) => {
      const info = lookupKind(kindWord);
      if (!info) throw new Error(`unknown resource type "${kindWord}"`);
      await connect(program.opts() as GlobalFlags).delete(info.kind, opts.namespace, name);
      process.stdout.write(`${info.singular}.${info.group || 'core'} "${name}" deleted\n`);
    });
}
