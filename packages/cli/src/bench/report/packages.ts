import type { SuiteResult } from '../result.js';

/** Each package's own bench script: its figures as a table, else the tail of its output. */
export function renderPackages(r: SuiteResult): string[] {
  const L = ["## The packages' own benchmarks", ''];
  if (r.packages.length === 0) L.push('No package had a `bench` script in this run.\n');
  for (const p of r.packages) {
    L.push(`### ${p.name}`, '', `\`${p.command}\` (exit ${p.exitCode}, ${p.seconds.toFixed(0)} s)`, '');
    if (p.figures?.length) {
      L.push('| figure | value | goal | command |', '|---|---|---|---|');
      for (const f of p.figures)
        L.push(
          `| ${f.name} | ${f.value}${f.unit ? ` ${f.unit}` : ''} | ${f.goal ?? ''} | ` +
            `${f.command ? `\`${f.command}\`` : ''} |`,
        );
    } else L.push('```', p.outputTail || '(no output)', '```');
    L.push('');
  }
  return L;
}
