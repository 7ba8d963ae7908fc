import { formatMs } from '../flags.js';
import type { SuiteResult } from '../result.js';
import { rps } from './format.js';

const NOT_MEASURED = 'Not measured in this run (see below).\n';

/** One revision from zero under load: the summary and the latency / instances timeline. */
export function renderLoadFromZero(r: SuiteResult): string[] {
  const L = ['## Load from zero: latency and instances over time', ''];
  if (!r.loadFromZero) return [...L, NOT_MEASURED];
  const s = r.loadFromZero.summary;
  L.push(`\`${r.loadFromZero.command}\``, '');
  L.push(
    `${rps(s.rps)}, p50 ${formatMs(s.p50)}, p99 ${formatMs(s.p99)}, max ${formatMs(s.max)}, ` +
      `status ${JSON.stringify(s.statusCounts)}, errors ${s.errors}; ` +
      `instances peaked at ${s.maxInstances ?? 'unknown'} (revision status.actualReplicas, polled every 200 ms).`,
    '',
  );
  if (r.svgs['load-from-zero-timeline.svg'])
    L.push(`![latency and instances over time](${r.svgs['load-from-zero-timeline.svg']})`);
  L.push('');
  return L;
}

/** N services from zero at the same moment, one row per N. */
export function renderScaleFromZero(r: SuiteResult): string[] {
  const L = ['## Scale from zero: N services at once', ''];
  const sfz = r.scaleFromZero;
  if (!sfz) return [...L, NOT_MEASURED];
  L.push(
    `\`${sfz.command}\` — Knative's performance-test shape: N services of the hello component, ` +
      'all scaled to zero (and left there 1.2 s, checked), then one request to each at the same moment. ' +
      `Setup (upload, create, Ready) took ${formatMs(sfz.setupMs)}.`,
    '',
    '| services | p50 time to first response | p95 | max | all answered after | errors |',
    '|---|---|---|---|---|---|',
  );
  const warm = sfz.rounds.reduce((a, x) => a + (x.warmHits ?? 0), 0);
  if (warm) L.push(`**${warm} request(s) met a ready instance** (no activator hold) and are included below.\n`);
  for (const round of sfz.rounds) {
    const causes = round.errors ? ` ${JSON.stringify({ ...round.errorCauses, ...round.statusCounts })}` : '';
    L.push(
      `| ${round.services} | ${formatMs(round.ttfb.p50)} | ${formatMs(round.ttfb.p95)} | ` +
        `${formatMs(round.ttfb.max)} | ${formatMs(round.allAnsweredMs)} | ${round.errors}${causes} |`,
    );
  }
  L.push('');
  return L;
}
