import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLoad } from '../output.js';
import { groupedBarChart } from '../svg/charts.js';
import type { WaitingContext } from './context.js';
import type { Timeline } from './rows.js';

/** The section's charts, each only when a row it draws was measured. */
export async function writeWaitingCharts(w: WaitingContext, timeline: Timeline | undefined): Promise<void> {
  const { opts, result } = w;
  const seconds = opts.durationMs / 1000;
  const publish = async (name: string, content: string | Uint8Array) => {
    await writeFile(join(opts.svgDir, name), content);
    result.svgs[name] = opts.rel(join(opts.svgDir, name));
  };
  const measured = result.rows.filter((r) => r.kedge || r.bare || r.cpuBound);
  if (measured.length)
    await publish(
      'waiting-guest-throughput.svg',
      groupedBarChart({
        title: `A guest that waits ${opts.waitMs} ms per request: throughput by connections`,
        subtitle: `${seconds} s per run, closed loop; ideal = connections / ${opts.waitMs / 1000} s; log scale`,
        yLabel: 'req/s (log scale)',
        groups: measured.map((r) => ({
          label: `${r.connections} conn.`,
          bars: [
            { series: 'ideal', value: r.idealRps },
            { series: 'bare Node (setTimeout)', value: r.bare?.rps ?? NaN },
            { series: 'Kedge, sleeper (waits only)', value: r.kedge?.rps ?? NaN },
            { series: 'Kedge, JS guest (CPU-bound)', value: r.cpuBound?.rps ?? NaN },
          ],
        })),
      }),
    );
  if (timeline) {
    const files = await writeLoad(
      opts.outDir,
      `waiting-c${timeline.connections}`,
      timeline.r,
      timeline.instances,
      `sleeper (?ms=${opts.waitMs}), ${timeline.connections} connections, through kedge up`,
    );
    await publish(`waiting-guest-c${timeline.connections}-timeline.svg`, await readFile(files[2]!));
  }
  const s2s = result.s2s.filter((r) => r.direct || r.viaCaller || r.viaJsCaller);
  if (s2s.length)
    await publish(
      'service-to-service.svg',
      groupedBarChart({
        title: 'Service-to-service: A calls B by its cluster-local name, vs calling B directly',
        subtitle: `${seconds} s per run through kedge up; log scale`,
        yLabel: 'req/s (log scale)',
        groups: s2s.map((r) => ({
          label: `${r.connections} conn.`,
          bars: [
            { series: 'B directly (helloworld)', value: r.direct?.rps ?? NaN },
            { series: 'A → B (examples/caller, WAT)', value: r.viaCaller?.rps ?? NaN },
            { series: 'A → B (autoscale-js ?call=, CPU-bound)', value: r.viaJsCaller?.rps ?? NaN },
          ],
        })),
      }),
    );
}
