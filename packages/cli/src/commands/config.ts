import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { GlobalFlags } from '../client.js';
import { clientToken } from '../token.js';

/** A kubeconfig for the Kedge API with its bearer token, the way a Kubernetes admin kubeconfig looks. */
export function kubeconfig(server: string, token: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kedge', cluster: { server } }],
    users: [{ name: 'kedge', user: { token } }],
    contexts: [{ name: 'kedge', context: { cluster: 'kedge', user: 'kedge', namespace } }],
    'current-context': 'kedge',
  });
}

export function register(program: Command): void {
  const config = program.command('config').description('client configuration');
  config
    .command('kubeconfig')
    .description('print a kubeconfig for kubectl: the API address and its token (keep it private: it allows writes)')
    .option('-n, --namespace <ns>', "the context's default namespace", 'default')
    .action((opts: { namespace: string }) => {
      const flags = program.opts() as GlobalFlags;
      const token = clientToken(flags);
      if (!token)
        throw new Error(
          'no API token found: give --token, KEDGE_TOKEN or --token-file, or run this where `kedge up` keeps its data directory (.kedge/token)',
        );
      process.stdout.write(kubeconfig(flags.api, token, opts.namespace));
    });
}
