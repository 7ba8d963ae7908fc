#!/usr/bin/env node
// Committed launcher: npm links it at install time, before dist/ exists; `npm run build` makes dist.
// Kedge needs Node 24 (JSPI lets waiting guests suspend); the repository brings it as the `node`
// dev dependency, which npm scripts and `npx kedge` run first on PATH.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `kedge needs Node.js 24 or newer (this is ${process.version}): run it through npm (\`npx kedge\`, \`npm start\`), ` +
      'which uses the Node 24 the repository installs, or install Node 24\n',
  );
  process.exit(1);
}
import('../dist/bin.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/bin.js')) {
    process.stderr.write('kedge is not built yet: run `npm run build` at the repository root first\n');
    process.exit(1);
  }
  throw err;
});
