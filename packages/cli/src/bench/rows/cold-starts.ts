import { phaseBar } from '../output.js';
import type { ColdStartEntry } from '../result.js';
import type { SuiteContext } from '../suite/context.js';
import { phaseChart, type PhaseBar } from '../svg/charts.js';
import { coldStartCommand, runColdStartRow } from './cold-start-row.js';
import type { KedgeUp } from './kedge-up.js';
import type { BenchTarget } from '../kedge.js';

interface Variant {
  key: string;
  label: string;
  setup?: string;
  target: BenchTarget;
  service: string;
  settleMs: number;
  iterations: number;
}

/**
 * Cold starts on the suite's `kedge up`: the tiny hello from a quiet zero (the revision stayed at zero
 * for the settle time, checked through the API) — the headline figure — and right after the
 * scale-down, which shows what a request meets when it arrives while the system is still settling;
 * then shorter runs of the other runtimes' hellos, to compare them, and a chart of their phases.
 */
export async function measureColdStarts(ctx: SuiteContext, kedge: KedgeUp): Promise<ColdStartEntry[]> {
  const entries: ColdStartEntry[] = [];
  const bars: PhaseBar[] = [];
  for (const v of variants(ctx, kedge)) {
    const command = coldStartCommand(v.service, v.iterations, v.settleMs);
    try {
      ctx.log(`cold start (${v.label}): ${v.iterations} iterations`);
      const { entry, result } = await runColdStartRow(ctx, {
        ...v,
        command,
        gateway: kedge.gateway,
        client: kedge.client,
      });
      entries.push(entry);
      if (v.settleMs > 0 && result.ttfb.count > 0)
        bars.push(phaseBar(v.label.replace(/, from a quiet zero$/, ''), result));
    } catch (err) {
      ctx.missing(`cold start, ${v.label} (${command})`, err);
    }
  }
  if (bars.length > 1) {
    const name = 'cold-start-runtimes-phases.svg';
    ctx.svgs[name] = await ctx.writeSvg(
      name,
      phaseChart({
        title: 'Cold start by runtime, from a quiet zero (p50)',
        subtitle: 'server phases from Server-Timing; the marker is the client TTFB p50',
        bars,
      }),
    );
  }
  return entries;
}

function variants(ctx: SuiteContext, kedge: KedgeUp): Variant[] {
  const { coldSettleMs, coldIterations } = ctx.opts;
  const other = (v: Omit<Variant, 'settleMs' | 'iterations'>) => ({
    ...v,
    settleMs: coldSettleMs,
    iterations: Math.min(10, coldIterations),
  });
  return [
    {
      key: 'cold-start',
      target: kedge.target,
      service: 'helloworld',
      settleMs: coldSettleMs,
      iterations: coldIterations,
      label: 'tiny hello (wasm), from a quiet zero',
    },
    {
      key: 'cold-start-immediate',
      target: kedge.target,
      service: 'helloworld',
      settleMs: 0,
      iterations: Math.min(15, coldIterations),
      label: 'tiny hello (wasm), right after the scale-down',
    },
    ...(kedge.jsTarget
      ? [
          other({
            key: 'cold-start-js',
            setup:
              'node packages/runner/bench-guests/build.mjs bench-out/js-guests && ' +
              'kedge apply -f packages/cli/bench-scenarios/hello-js.yaml',
            target: kedge.jsTarget,
            service: 'hello-js',
            label: 'JS hello (componentize-js, 14 MB), from a quiet zero',
          }),
        ]
      : []),
    ...(kedge.processTarget
      ? [
          other({
            key: 'cold-start-process',
            setup:
              'kedge apply -f examples/helloworld-node/service.yaml ' +
              '(kedge up --allow-process-revisions run from the repository root)',
            target: kedge.processTarget,
            service: kedge.processTarget.revision.replace(/-\d+$/, ''),
            label: 'process revision (node server.mjs), from a quiet zero',
          }),
        ]
      : []),
    ...(kedge.containerTarget
      ? [
          other({
            key: 'cold-start-container',
            setup:
              'examples/helloworld-go/build.sh && ' +
              'kedge apply -f examples/helloworld-go/service.yaml (namespace example; podman)',
            target: kedge.containerTarget,
            service: 'helloworld-go',
            label: 'container revision (helloworld-go on podman), from a quiet zero',
          }),
        ]
      : []),
  ];
}
