import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPath, send, sqliteApi, type ApiOverHttp } from './api-server.js';
import { RUNS } from './fuzz.js';
import { record } from './record.js';

// Issue 14 item 6: config-autoscaler values Knative's validate() refuses (and panic-threshold-percentage
// outside the annotation's 110–1000) must be refused at admission naming data.<key>, nothing stored.
describe('chaos (full): config-autoscaler admission', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-chaos-fuzz-full-'));
  let h: ApiOverHttp;

  beforeAll(async () => {
    h = await sqliteApi(dir);
  });
  afterAll(async () => {
    await h?.stop();
    await h?.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('config-autoscaler values Knative rejects: 422 naming data.<key>, nothing stored', async () => {
    const bad: Record<string, string[]> = {
      'stable-window': ['-1s', 'soon', '0s', '2h'],
      'panic-window-percentage': ['-10', 'half', '200'],
      'panic-threshold-percentage': ['-1', 'x'],
      'target-burst-capacity': ['lots', '-5'],
      'container-concurrency-target-percentage': ['0', '-3', 'x'],
      'container-concurrency-target-default': ['0', 'x'],
      'scale-to-zero-grace-period': ['soon', '-1s'],
      'max-scale-up-rate': ['0.5', 'x'],
      'max-scale-down-rate': ['0.5', 'x'],
      'enable-scale-to-zero': ['maybe'],
    };
    let runs = 0;
    let refused = 0;
    const stored: string[] = [];
    await fc
      .assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(bad)).chain((k) => fc.tuple(fc.constant(k), fc.constantFrom(...bad[k]!))),
          async ([key, value]) => {
            runs += 1;
            const cm = {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'config-autoscaler', namespace: 'knative-serving' },
              data: { [key]: value },
            };
            const a = await send(
              h,
              'POST',
              collectionPath('ConfigMap', 'knative-serving'),
              JSON.stringify(cm),
              'application/json',
            );
            if (a.status < 400) {
              stored.push(`${key}: ${JSON.stringify(value)} → ${a.status}`);
              await send(h, 'DELETE', `${collectionPath('ConfigMap', 'knative-serving')}/config-autoscaler`);
            } else refused += 1;
            expect(a.status, `${key}: ${JSON.stringify(value)}`).toBe(422);
            expect(
              (a.body as { details?: { causes?: { field?: string }[] } }).details?.causes?.map((c) => c.field),
            ).toContain(`data.${key}`);
          },
        ),
        { numRuns: Math.min(RUNS, 60) },
      )
      .finally(() => {
        record({
          case: 'API: config-autoscaler values Knative rejects (SQLite)',
          faults: runs,
          survived: refused,
          pass: stored.length === 0 && refused === runs,
          note: stored.length ? `stored: ${stored.slice(0, 3).join('; ')}` : '',
        });
      });
  });
});
