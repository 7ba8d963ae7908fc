import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { GlobalFlags } from '../client.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CERT_FILE } from '../tls.js';
import { clientToken, DEFAULT_DATA_DIR } from '../token.js';

/**
 * A kubeconfig for the Kedge API with its bearer token, the way a Kubernetes admin kubeconfig looks.
 * The server is the API's https side (same port): kubectl sends a token only over TLS.
 */
export function kubeconfig(api: string, token: string, caPem: string, namespace = 'default'): string {
  const server = api.replace(/^http:/, 'https:');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'kedge', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
    ],
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
    .option(
      '--ca-file <file>',
      `the API's certificate (default: ${CERT_FILE} beside --token-file, else ${join(DEFAULT_DATA_DIR, CERT_FILE)})`,
    )
    .action((opts: { namespace: string; caFile?: string }) => {
      const flags = program.opts() as GlobalFlags;
      const token = clientToken(flags);
      if (!token)
        throw new Error(
          'no API token found: give --token, KEDGE_TOKEN or --token-file, or run this where `kedge up` keeps its data directory (.kedge/token)',
        );
      const tokenFile = flags.tokenFile ?? process.env.KEDGE_TOKEN_FILE;
      const caFile = opts.caFile ?? join(tokenFile ? dirname(tokenFile) : DEFAULT_DATA_DIR, CERT_FILE);
      let ca: string;
      try {
        ca = readFileSync(caFile, 'utf8');
      } catch (err) {
        throw new Error(
          `${caFile}: cannot read the API's certificate (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give --ca-file`,
        );
      }
      process.stdout.write(kubeconfig(flags.api, token, ca, opts.namespace));
    });
}
