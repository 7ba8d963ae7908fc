import type { ColdStartEntry, SuiteResult } from '../result.js';
import { sumRow } from './format.js';

/** Every cold-start variant: its command, client and server-phase table, notes and charts. */
export function renderColdStarts(r: SuiteResult): string[] {
  const L = [
    '## Cold start (zero → first byte, through the gateway)',
    '',
    'Per iteration the revision is scaled to zero with the admin verb (`kedge revision scale NAME --to 0`), ' +
      'then one request is sent and timed on the client ' +
      '(TTFB: response headers; TTLB: last byte); the server phases come from the `Server-Timing` header. ' +
      '`--settle` is how long the revision must stay at zero ' +
      '(checked through the API, scaled down again if it came back) before the request.',
    '',
  ];
  if (r.coldStarts.length === 0) L.push('Not measured in this run (see below).\n');
  if (r.svgs['cold-start-runtimes-phases.svg'])
    L.push(`![cold-start phases by runtime](${r.svgs['cold-start-runtimes-phases.svg']})`, '');
  for (const entry of r.coldStarts) L.push(...coldStartEntry(entry, r.svgs));
  return L;
}

function coldStartEntry(entry: ColdStartEntry, svgs: SuiteResult['svgs']): string[] {
  const c = entry.result;
  const L = [`### ${entry.label ?? 'cold start'}`, ''];
  if (entry.setup) L.push(`Setup: \`${entry.setup}\``, '');
  L.push(`\`${entry.command}\``, '', `| | n | p50 | p90 | p99 | max |`, '|---|---|---|---|---|---|');
  L.push(sumRow('client TTFB', c.ttfb), sumRow('client TTLB', c.ttlb));
  for (const name of c.phaseOrder) L.push(sumRow(`server: ${name}`, c.phases[name]!));
  L.push('', coldStartNotes(entry), '');
  const histogram = svgs[`${entry.key}-histogram.svg`];
  if (histogram) L.push(`![cold-start TTFB histogram, ${entry.label}](${histogram})`);
  L.push('');
  const phases = svgs[`${entry.key}-phases.svg`];
  if (phases) L.push(`![cold-start phases, ${entry.label}](${phases})`);
  L.push('');
  return L;
}

/** Status codes, then whatever makes the figures above less than clean cold starts. */
function coldStartNotes(entry: ColdStartEntry): string {
  const c = entry.result;
  const errors = Object.keys(c.errors).length ? `, errors ${JSON.stringify(c.errors)}` : '';
  const notes = [`Status codes ${JSON.stringify(c.statusCounts)}${errors}.`];
  if (c.failed)
    notes.push(
      `**${c.failed} of ${c.iterations * c.concurrency} request(s) failed** (connection error or 5xx) ` +
        'and are left out of the latencies above.',
    );
  if (entry.scaleDowns !== undefined && entry.scaleDowns > c.iterations)
    notes.push(
      `Reaching a quiet zero took ${entry.scaleDowns} scale-downs for ${c.iterations} iterations: ` +
        `the revision was started again within the settle time ${entry.scaleDowns - c.iterations} time(s) ` +
        'with no request sent.',
    );
  if (c.phaseOrder.length === 0)
    notes.push('The responses carried no `Server-Timing` header, so there is no server-side phase breakdown.');
  if (c.warmHits)
    notes.push(
      `**${c.warmHits} request(s) met a ready instance** (no activator hold): ` +
        'they were not cold and are included above.',
    );
  return notes.join(' ');
}
