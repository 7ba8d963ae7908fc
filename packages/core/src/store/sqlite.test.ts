import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite.js';
import { storeContract } from './store.contract.js';

storeContract('SqliteStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-sqlite-'));
  return {
    open: async () => new SqliteStore(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
