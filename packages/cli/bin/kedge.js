#!/usr/bin/env node
// Committed launcher: npm links it at install time, before dist/ exists; `npm run build` makes dist.
import('../dist/bin.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/bin.js')) {
    process.stderr.write('kedge is not built yet: run `npm run build` at the repository root first\n');
    process.exit(1);
  }
  throw err;
});
