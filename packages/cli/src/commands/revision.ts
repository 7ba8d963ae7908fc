import type { Command } from 'commander';
import { createClient } from '../client.js';
import { parsePositiveInt } from '../bench/duration.js';
import { scaleRevision } from '../bench/kedge.js';

/** `kedge revision …` verbs that act on one revision (listing is `kedge get revisions`). */
export function register(program: Command): void {
  const revision = program.command('revision').alias('rev').description('act on one revision');
  revision
    .command('scale')
    .description('set the instance count now (admin verb: the autoscaler applies it, then decides again as usual; --to 0 makes the next request cold)')
    .argument('<name>', 'revision name, e.g. helloworld-00001')
    .requiredOption('--to <n>', 'instance count', (v) => (v === '0' ? 0 : parsePositiveInt(v, '--to')))
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .action(async (name: string, o: { to: number; namespace: string }) => {
      const client = createClient(program.opts().api as string);
      const reply = await scaleRevision(client, { namespace: o.namespace, revision: name }, o.to);
      process.stdout.write(`revision ${o.namespace}/${name} scaled${reply.from !== undefined ? ` from ${reply.from}` : ''} to ${o.to}\n`);
    });
}
