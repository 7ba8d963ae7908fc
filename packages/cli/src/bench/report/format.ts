import { formatMs } from '../flags.js';

/** The report's cell formats: a non-finite figure prints as a dash, never as NaN. */
export const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');
export const rps = (v: number) => (Number.isFinite(v) ? `${Math.round(v).toLocaleString('en-US')} req/s` : '–');
export const goal = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : '**not met**');

export function sumRow(name: string, s: { count: number; p50: number; p90: number; p99: number; max: number }): string {
  return `| ${name} | ${s.count} | ${formatMs(s.p50)} | ${formatMs(s.p90)} | ${formatMs(s.p99)} | ${formatMs(s.max)} |`;
}
