import type { Command } from 'commander';
import { applyDefaults, validateResource } from '@kedge/core';
import { applyObject, connect, type GlobalFlags } from '../client.js';
import { WAITABLE_KINDS, waitForReady } from '../kn/wait.js';
import { collectLocalImages, readManifests, uploadLocalImages, type ManifestDoc } from '../manifests.js';

function label(doc: ManifestDoc): string {
  const o = doc.object;
  return `${o.kind.toLowerCase()}.${o.apiVersion.split('/')[0]}/${o.metadata.name}`;
}

export function register(program: Command): void {
  program
    .command('apply')
    .description('create or update resources from a manifest (multi-document YAML or JSON; -f - reads stdin)')
    .requiredOption('-f, --filename <file>', 'manifest file, or - for stdin')
    .option('--dry-run', 'default and validate on the client, store nothing')
    .option('--no-wait', 'return once stored, without waiting for Services (and other serving kinds) to become Ready')
    .option('--wait-timeout <seconds>', 'how long to wait for readiness; exit 1 when it passes', '60')
    .action(async (opts: { filename: string; dryRun?: boolean; wait: boolean; waitTimeout: string }) => {
      const timeoutSeconds = Number(opts.waitTimeout);
      if (!(timeoutSeconds > 0))
        throw new Error(`--wait-timeout: must be a number of seconds above 0, got "${opts.waitTimeout}"`);
      const docs = await readManifests(opts.filename);
      // Everything is checked before anything is uploaded or stored.
      const images = await collectLocalImages(docs);
      if (opts.dryRun) {
        const problems: string[] = [];
        for (const doc of docs) {
          // Whether process revisions are on is the server's config; the server checks that part.
          const err = validateResource(applyDefaults(doc.object), { features: { processRevisions: true } });
          if (err)
            problems.push(...err.problems.map((p) => `${label(doc)}: ${p.path ? `${p.path}: ` : ''}${p.message}`));
          else process.stdout.write(`${label(doc)} valid (dry run)\n`);
        }
        if (problems.length) throw new Error(problems.join('\n'));
        return;
      }
      const flags = program.opts() as GlobalFlags;
      const client = connect(flags);
      await uploadLocalImages(images, client.uploadBlob);
      for (const doc of docs) {
        try {
          const outcome = await applyObject(client, doc.object);
          process.stdout.write(`${label(doc)} ${outcome}\n`);
        } catch (err) {
          throw new Error(`${doc.source}: document ${doc.index} (${label(doc)}): ${(err as Error).message}`);
        }
      }
      if (!opts.wait) return;
      // Like kn: done means Ready for what was just applied, and a failure names the condition's reason.
      const waited = docs.filter((d) => WAITABLE_KINDS.has(d.object.kind));
      const outcomes = await Promise.allSettled(
        waited.map(async (doc) => {
          const { kind, metadata } = doc.object;
          await waitForReady(client.base, kind, metadata.namespace, metadata.name, timeoutSeconds * 1000);
          process.stdout.write(`${label(doc)} ready\n`);
        }),
      );
      const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
      if (failures.length) throw new Error(failures.join('\n'));
    });
}
