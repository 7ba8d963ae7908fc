import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNatsStore, silentLogger } from '@kedge/core';
import { startNatsServer, type NatsServer } from '@kedge/core/testing';
import { collectionPath, send, snapshot, startApiOverHttp, statusProblem, type ApiOverHttp } from './api-server.js';
import { RUNS, WRITABLE, badName, validObject } from './fuzz.js';
import { record } from './record.js';

// The names property of api-fuzz.test.ts on the distributed store: NATS KV keys are tokens, so a
// name that is not one must be refused before it reaches the store (docs/security.md).
describe('API fuzzing on the NATS KV store (fast-check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-chaos-fuzz-nats-'));
  let nats: NatsServer;
  let h: ApiOverHttp;

  beforeAll(async () => {
    nats = await startNatsServer();
    h = await startApiOverHttp(
      await connectNatsStore({ servers: nats.url, cacheDir: join(dir, 'blobs'), logger: silentLogger }),
    );
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
    await h?.store.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names that are not DNS-1123 labels, in the body or the URL: 4xx Status, nothing stored', async () => {
    const before = await snapshot(h.store);
    let runs = 0;
    const fivexx: string[] = [];
    await fc
      .assert(
        fc.asyncProperty(
          fc.constantFrom(...WRITABLE),
          badName,
          fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'),
          async (kind, name, verb) => {
            runs += 1;
            const body = JSON.stringify(validObject(kind, 'seed', name));
            const a =
              verb === 'POST'
                ? await send(h, 'POST', collectionPath(kind, 'seed'), body, 'application/json')
                : await send(
                    h,
                    verb,
                    `${collectionPath(kind, 'seed')}/${encodeURIComponent(name)}`,
                    verb === 'PUT' ? body : undefined,
                    verb === 'PUT' ? 'application/json' : undefined,
                  );
            if (a.status >= 500) fivexx.push(`${verb} ${kind} ${JSON.stringify(name)} → ${a.status}`);
            expect(a.status, `${verb} ${kind} ${JSON.stringify(name)}: ${a.text}`).toBeGreaterThanOrEqual(400);
            expect(a.status).toBeLessThan(500);
            expect(statusProblem(a)).toBeUndefined();
          },
        ),
        { numRuns: RUNS * 2 },
      )
      .finally(async () => {
        const same = JSON.stringify(await snapshot(h.store)) === JSON.stringify(before);
        record({
          case: 'API fuzz: malformed names in body and URL (NATS KV)',
          faults: runs,
          survived: runs - fivexx.length,
          lost: same ? '0 objects' : 'changed',
          pass: fivexx.length === 0 && same,
          note: fivexx[0] ?? '',
        });
      });
    expect(await snapshot(h.store)).toEqual(before);
  });
});
