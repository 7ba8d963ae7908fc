import { renderEdge } from './edge-report.js';
import { renderAbsolutes } from './report/absolutes.js';
import { renderNotMeasured, renderRunningIt } from './report/closing.js';
import { renderColdStarts } from './report/cold-starts.js';
import { renderLoadFromZero, renderScaleFromZero } from './report/from-zero.js';
import { renderHeader } from './report/header.js';
import { renderPackages } from './report/packages.js';
import { renderRatios } from './report/ratios.js';
import { renderWaiting } from './report/waiting.js';
import type { SuiteResult } from './result.js';

export type { ColdStartEntry, LoadFigure, PackageFigure, RunSummary, SuiteResult } from './result.js';
export { renderWaiting, spliceWaiting } from './report/waiting.js';

/** docs/benchmarks.md: ratios first, absolutes second, every figure with the command that made it. */
export function renderReport(r: SuiteResult): string {
  return [
    ...renderHeader(r),
    ...renderRatios(r),
    ...renderAbsolutes(r),
    ...renderColdStarts(r),
    ...renderLoadFromZero(r),
    ...renderScaleFromZero(r),
    ...(r.waiting ? [renderWaiting(r.waiting)] : []),
    ...(r.edge ? [renderEdge(r.edge)] : []),
    ...renderPackages(r),
    ...renderNotMeasured(r),
    ...renderRunningIt(r),
  ].join('\n');
}
