import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientToken, loadOrCreateToken, serverToken } from './token.js';

let dir: string;
const saved = { token: process.env.KEDGE_TOKEN, file: process.env.KEDGE_TOKEN_FILE };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kedge-token-'));
  delete process.env.KEDGE_TOKEN;
  delete process.env.KEDGE_TOKEN_FILE;
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (saved.token === undefined) delete process.env.KEDGE_TOKEN;
  else process.env.KEDGE_TOKEN = saved.token;
  if (saved.file === undefined) delete process.env.KEDGE_TOKEN_FILE;
  else process.env.KEDGE_TOKEN_FILE = saved.file;
});

describe('the API token file', () => {
  it('is made once with mode 0600 and read back after that', async () => {
    const file = join(dir, 'data', 'token');
    const first = await loadOrCreateToken(file);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateToken(file)).toBe(first);
  });

  it('agrees on one token when two starts race', async () => {
    const file = join(dir, 'token');
    const [a, b] = await Promise.all([loadOrCreateToken(file), loadOrCreateToken(file)]);
    expect(a).toBe(b);
    expect(readFileSync(file, 'utf8').trim()).toBe(a);
  });

  it('narrows a file others could read to 0600', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'a-token-someone-wrote-by-hand\n');
    chmodSync(file, 0o644);
    expect(await loadOrCreateToken(file)).toBe('a-token-someone-wrote-by-hand');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a token too short to be a secret', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'short\n', { mode: 0o600 });
    await expect(loadOrCreateToken(file)).rejects.toThrow(/at least 16/);
  });
});

describe('where the token comes from', () => {
  it('server: KEDGE_TOKEN, else --token-file, else <dataDir>/token', async () => {
    const made = await serverToken({ dataDir: dir, create: true });
    expect(made).toBe(readFileSync(join(dir, 'token'), 'utf8').trim());
    writeFileSync(join(dir, 'shared'), 'the-shared-cluster-token\n');
    expect(await serverToken({ tokenFile: join(dir, 'shared'), dataDir: dir, create: true })).toBe(
      'the-shared-cluster-token',
    );
    process.env.KEDGE_TOKEN = 'from-the-environment-0123';
    expect(await serverToken({ tokenFile: join(dir, 'shared'), dataDir: dir, create: true })).toBe(
      'from-the-environment-0123',
    );
  });

  it('server: a role that only reads fails clearly when the file is missing', async () => {
    await expect(serverToken({ tokenFile: join(dir, 'nope'), create: false })).rejects.toThrow(/no token file/);
    expect(await serverToken({ create: false })).toBeUndefined();
  });

  it('client: --token, KEDGE_TOKEN, --token-file / KEDGE_TOKEN_FILE, in that order', () => {
    writeFileSync(join(dir, 'a'), 'token-from-file-a\n');
    writeFileSync(join(dir, 'b'), 'token-from-file-b\n');
    process.env.KEDGE_TOKEN_FILE = join(dir, 'b');
    expect(clientToken({})).toBe('token-from-file-b');
    expect(clientToken({ tokenFile: join(dir, 'a') })).toBe('token-from-file-a');
    process.env.KEDGE_TOKEN = 'token-from-env';
    expect(clientToken({ tokenFile: join(dir, 'a') })).toBe('token-from-env');
    expect(clientToken({ token: 'token-from-flag', tokenFile: join(dir, 'a') })).toBe('token-from-flag');
  });

  it('client: an explicit file that cannot be read is an error, not a silent anonymous request', () => {
    expect(() => clientToken({ tokenFile: join(dir, 'missing') })).toThrow(/cannot read/);
  });
});
