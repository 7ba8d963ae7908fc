import type { SuiteResult } from '../result.js';

/** What this run could not measure, and why. */
export function renderNotMeasured(r: SuiteResult): string[] {
  const L = ['## Not measured in this run', ''];
  if (r.notMeasured.length === 0) L.push('Everything above was measured.');
  for (const m of r.notMeasured) L.push(`- ${m.what}: ${m.why}`);
  L.push('');
  return L;
}

/** The commands a reader runs to measure it again, the whole suite or one tool. */
export function renderRunningIt(r: SuiteResult): string[] {
  const minutes = Math.max(1, Math.round((r.seconds ?? 0) / 60));
  return [
    '## Running it yourself',
    '',
    '```sh',
    `npm run bench                                   # the whole suite (${minutes} min in this run); ` +
      'rewrites this page',
    'node packages/cli/dist/bench/suite.js --quick   # a 1-minute smoke run (1 round, short loads)',
    'kedge bench cold-start --service helloworld -n example -i 100 --out bench-out',
    'kedge bench load --service helloworld -n example -z 30s -c 50',
    'kedge bench scale-from-zero --services 1,5,25,100',
    '```',
    '',
    'See [bench/README.md](bench/README.md) for the tools themselves ' +
      '(flags, output files, deviations from the issue text).',
    '',
  ];
}
