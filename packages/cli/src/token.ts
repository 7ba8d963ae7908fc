import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The API token's file in a data directory (`kedge up` writes it on first start). */
export const TOKEN_FILE = 'token';
/** `kedge up`'s default data directory, relative to where it runs; the CLI looks there last. */
export const DEFAULT_DATA_DIR = '.kedge';

export function tokenFileOf(dataDir: string): string {
  return join(dataDir, TOKEN_FILE);
}

function checkToken(token: string, where: string): string {
  if (!/^[\x21-\x7e]{16,}$/.test(token))
    throw new Error(`${where}: the token must be at least 16 printable characters without spaces`);
  return token;
}

/**
 * The cluster's token: read from `file`, or made (256 random bits) and written there with mode
 * 0600 when the file does not exist yet. A file others can read is narrowed to 0600.
 */
export async function loadOrCreateToken(file: string): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return checkToken(text.trim(), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    // `wx`: two processes starting at once agree on whichever token was written first.
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return checkToken((await readFile(file, 'utf8')).trim(), file);
    throw err;
  }
}

/**
 * The token a server role uses: `KEDGE_TOKEN`, else `--token-file` (or `KEDGE_TOKEN_FILE`),
 * else `<dataDir>/token`; a file that does not exist is created when `create` is set.
 */
export async function serverToken(opts: {
  tokenFile?: string;
  dataDir?: string;
  create: boolean;
}): Promise<string | undefined> {
  const env = process.env.KEDGE_TOKEN;
  if (env) return checkToken(env.trim(), 'KEDGE_TOKEN');
  const file = opts.tokenFile ?? process.env.KEDGE_TOKEN_FILE ?? (opts.dataDir ? tokenFileOf(opts.dataDir) : undefined);
  if (!file) return undefined;
  if (opts.create) return loadOrCreateToken(file);
  try {
    return checkToken((await readFile(file, 'utf8')).trim(), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${file}: no token file (start the api role first, or give --token-file / KEDGE_TOKEN)`);
    throw err;
  }
}

/**
 * The token the CLI sends, first found wins: `--token`, `KEDGE_TOKEN`, `--token-file` /
 * `KEDGE_TOKEN_FILE`, then `.kedge/token` (kedge up's default data directory). None: reads still work.
 */
export function clientToken(opts: { token?: string; tokenFile?: string }): string | undefined {
  if (opts.token) return opts.token;
  if (process.env.KEDGE_TOKEN) return process.env.KEDGE_TOKEN.trim();
  const explicit = opts.tokenFile ?? process.env.KEDGE_TOKEN_FILE;
  const file = explicit ?? tokenFileOf(DEFAULT_DATA_DIR);
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (err) {
    if (explicit)
      throw new Error(
        `--token-file ${explicit}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    return undefined;
  }
}
