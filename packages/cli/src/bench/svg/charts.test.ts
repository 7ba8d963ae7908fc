import { describe, expect, it } from 'vitest';
import { Histogram } from '../histogram.js';
import { groupedBarChart, histogramChart, phaseChart, samplesToBuckets, timelineChart } from './charts.js';
import { escapeXml, niceTicks } from './svg.js';

/**
 * A small XML well-formedness check: every tag closes in order, attributes are quoted, and text holds
 * no raw `<` or bare `&`. Enough to catch what string-built SVG gets wrong.
 */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let roots = 0;
  while ((m = tag.exec(xml))) {
    const between = xml.slice(last, m.index);
    expect(between, `text before offset ${m.index}`).not.toMatch(/<|&(?!(lt|gt|amp|quot|apos|#\d+);)/);
    last = tag.lastIndex;
    if (m[0].startsWith('<!--')) continue;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClosing) {
      if (stack.length === 0) roots += 1;
      stack.push(name!);
    } else if (stack.length === 0) roots += 1;
  }
  expect(xml.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
  expect(xml.trimStart().startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
}

describe('charts', () => {
  it('histogram chart is well-formed and marks the percentiles', () => {
    const h = new Histogram();
    for (let i = 0; i < 5000; i++) h.record(200 + ((i * 37) % 3000));
    const svg = histogramChart({
      title: 'warm <hello> & co',
      buckets: h.buckets(),
      markers: [
        { label: 'p50', ms: 1.7 },
        { label: 'p99', ms: 3.1 },
      ],
    });
    assertWellFormed(svg);
    expect(svg).toContain('warm &lt;hello&gt; &amp; co');
    expect(svg).toContain('p99 3.10ms');
    expect(svg.match(/<rect /g)!.length).toBeGreaterThan(10);
  });

  it('histogram of raw samples and of nothing', () => {
    assertWellFormed(histogramChart({ title: 'cold', buckets: samplesToBuckets([1.2, 1.5, 9.8, 2.2]) }));
    const empty = histogramChart({ title: 'none', buckets: [] });
    assertWellFormed(empty);
    expect(empty).toContain('no samples');
  });

  it('phase chart stacks phases in order with a legend', () => {
    const svg = phaseChart({
      title: 'cold start phases',
      bars: [
        {
          label: 'tiny',
          phases: [
            { name: 'activator', ms: 0.4 },
            { name: 'instantiate', ms: 0.6 },
            { name: 'handler', ms: 0.1 },
          ],
          totalMs: 1.3,
        },
        {
          label: 'js',
          phases: [
            { name: 'instantiate', ms: 17 },
            { name: 'handler', ms: 0.3 },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(svg.indexOf('activator: ')).toBeLessThan(svg.indexOf('instantiate: 600µs'));
    expect(svg).toContain('TTFB 1.30ms');
  });

  it('timeline chart has both panels, and says when instances are unknown', () => {
    const latency = Array.from({ length: 30 }, (_, i) => ({ t: i + 1, p50: 1 + i / 30, p99: 4, rps: 10_000 }));
    const svg = timelineChart({
      title: 'load',
      latency,
      instances: [
        { t: 0, count: 0 },
        { t: 1.2, count: 1 },
        { t: 5, count: 3 },
      ],
    });
    assertWellFormed(svg);
    expect(svg.match(/<polyline /g)!.length).toBe(4);
    const bare = timelineChart({ title: 'load', latency, instances: [] });
    assertWellFormed(bare);
    expect(bare).toContain('instance count not available');
  });

  it('grouped bar chart draws one bar per measured value, a gap for NaN, and a legend per series', () => {
    const svg = groupedBarChart({
      title: 'waiting <100 ms>',
      yLabel: 'req/s',
      groups: [
        {
          label: '1 conn.',
          bars: [
            { series: 'ideal', value: 10 },
            { series: 'kedge', value: 9.6 },
          ],
        },
        {
          label: '200 conn.',
          bars: [
            { series: 'ideal', value: 2000 },
            { series: 'kedge', value: NaN },
          ],
        },
      ],
    });
    assertWellFormed(svg);
    expect(svg).toContain('waiting &lt;100 ms&gt;');
    expect(svg.match(/<title>/g)!.length).toBe(3);
    expect(svg).toContain('200 conn., ideal: 2000');
    expect(svg).toContain('>–</text>');
    const empty = groupedBarChart({
      title: 'none',
      yLabel: 'req/s',
      groups: [{ label: 'x', bars: [{ series: 'a', value: NaN }] }],
    });
    assertWellFormed(empty);
    expect(empty).toContain('no measurements');
  });
});

describe('svg helpers', () => {
  it('escapes markup', () => expect(escapeXml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&apos;'));
  it('nice ticks cover the range with round steps', () => {
    expect(niceTicks(0, 97, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 0.9, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});
