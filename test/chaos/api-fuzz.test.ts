import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIND_NAMES, type Kind } from '@kedge/core';
import { collectionPath, send, snapshot, sqliteApi, statusProblem, type ApiOverHttp } from './api-server.js';
import {
  CONTENT_TYPES,
  READ_ONLY,
  RUNS,
  WRITABLE,
  badName,
  garbageBody,
  mutate,
  mutationOf,
  seedName,
  validObject,
} from './fuzz.js';
import { record } from './record.js';

// Property-based fuzzing of the real API (REST app + reconcilers) over HTTP on a real SQLite store.
// Promise under test (docs/api.md "Errors"): every bad input is a 4xx Kubernetes Status, never a 5xx,
// and nothing stored is lost or half-written. The store is read directly before and after.
const SEED = 'seed';
const FUZZ = 'fuzz';

describe('API fuzzing on SQLite (fast-check)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kedge-chaos-fuzz-'));
  let h: ApiOverHttp;

  beforeAll(async () => {
    h = await sqliteApi(dir);
    // One valid object of every writable kind, in its own namespace, for PUT/PATCH/DELETE to aim at.
    for (const kind of ['Configuration', ...WRITABLE.filter((k) => k !== 'Configuration')] as Kind[]) {
      const r = await send(
        h,
        'POST',
        collectionPath(kind, SEED),
        JSON.stringify(validObject(kind, SEED, seedName(kind))),
        'application/json',
      );
      expect(r.status, `seeding ${kind}: ${r.text}`).toBe(201);
    }
    await h.api.idle();
  });

  afterAll(async () => {
    await h?.stop();
    await h?.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('garbage bodies, any content type, any verb, every kind: a 4xx Status each, and the store unchanged', async () => {
    const before = await snapshot(h.store);
    let runs = 0;
    const failures: string[] = [];
    const target = fc.record({
      kind: fc.constantFrom(...KIND_NAMES),
      verb: fc.constantFrom('POST', 'PUT', 'PATCH'),
      contentType: fc.constantFrom(...CONTENT_TYPES),
      body: garbageBody,
    });
    await fc
      .assert(
        fc.asyncProperty(target, async ({ kind, verb, contentType, body }) => {
          runs += 1;
          const path = verb === 'POST' ? collectionPath(kind, SEED) : `${collectionPath(kind, SEED)}/${seedName(kind)}`;
          const a = await send(h, verb, path, body, contentType);
          const problem =
            a.status < 400 || a.status >= 500 ? `HTTP ${a.status}: ${a.text.slice(0, 200)}` : statusProblem(a);
          if (problem)
            failures.push(
              `${verb} ${kind} (${contentType}) ${JSON.stringify(typeof body === 'string' ? body : Array.from(body))}: ${problem}`,
            );
          expect(problem).toBeUndefined();
        }),
        { numRuns: RUNS * 3 },
      )
      .catch((err: unknown) => {
        record({
          case: 'API fuzz: garbage bodies (SQLite)',
          faults: runs,
          survived: runs - 1,
          pass: false,
          note: failures[0] ?? String(err),
        });
        throw err;
      });
    await h.api.idle();
    const after = await snapshot(h.store);
    record({
      case: 'API fuzz: garbage bodies, every kind, verb and content type (SQLite)',
      faults: runs,
      survived: runs,
      lost: after.length === before.length ? '0 objects' : 'changed',
      pass: JSON.stringify(after) === JSON.stringify(before),
    });
    expect(after).toEqual(before);
  });

  it('mutated objects: never a 5xx; refusals are Status answers; what is accepted is stored exactly; other namespaces untouched', async () => {
    const seedsBefore = await snapshot(h.store, SEED);
    let n = 0;
    let accepted = 0;
    const failures: string[] = [];
    const arb = fc.constantFrom(...WRITABLE).chain((kind) => {
      const base = validObject(kind, FUZZ, 'placeholder');
      return fc.record({ kind: fc.constant(kind), mutation: mutationOf(base) });
    });
    await fc
      .assert(
        fc.asyncProperty(arb, async ({ kind, mutation }) => {
          const name = `m${++n}`;
          const body = mutate(validObject(kind, FUZZ, name), mutation);
          const a = await send(h, 'POST', collectionPath(kind, FUZZ), JSON.stringify(body), 'application/json');
          const where = `POST ${kind} ${JSON.stringify(mutation)}`;
          if (a.status >= 500) failures.push(`${where}: HTTP ${a.status} ${a.text.slice(0, 200)}`);
          expect(a.status, `${where}: ${a.text}`).toBeLessThan(500);
          if (a.status >= 400) {
            expect(statusProblem(a), where).toBeUndefined();
            // Refused: nothing under the name it asked for.
            expect(await h.store.get(kind, FUZZ, name), where).toBeUndefined();
            return;
          }
          accepted += 1;
          const answered = a.body as {
            metadata: { name: string; uid: string; labels?: unknown; annotations?: unknown };
            spec?: unknown;
            data?: unknown;
          };
          const stored = (await h.store.get(kind, FUZZ, answered.metadata.name)) as typeof answered | undefined;
          expect(stored, where).toBeDefined();
          expect(stored!.metadata.uid).toBe(answered.metadata.uid);
          expect(stored!.metadata.labels).toEqual(answered.metadata.labels);
          expect(stored!.metadata.annotations).toEqual(answered.metadata.annotations);
          const content = (o: typeof answered) => (kind === 'ConfigMap' || kind === 'Secret' ? o.data : o.spec);
          expect(content(stored!)).toEqual(content(answered));
        }),
        { numRuns: RUNS * 5 },
      )
      .catch((err: unknown) => {
        record({
          case: 'API fuzz: mutated objects (SQLite)',
          faults: n,
          survived: n - 1,
          pass: false,
          note: failures[0] ?? String(err).split('\n')[0],
        });
        throw err;
      });
    await h.api.idle();
    const seedsAfter = await snapshot(h.store, SEED);
    record({
      case: 'API fuzz: valid objects with one field set wrong, deleted or unknown (SQLite)',
      faults: n,
      survived: n,
      lost: '0 objects',
      pass: JSON.stringify(seedsAfter) === JSON.stringify(seedsBefore),
      note: `${accepted} of ${n} were valid after all and stored exactly as answered`,
    });
    expect(seedsAfter).toEqual(seedsBefore);
  });

  it('names that are not DNS-1123 labels, in the body or the URL: 4xx Status, nothing stored', async () => {
    const before = await snapshot(h.store);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WRITABLE),
        badName,
        fc.constantFrom('POST', 'GET', 'PUT', 'PATCH', 'DELETE'),
        async (kind, name, verb) => {
          runs += 1;
          const body = JSON.stringify(validObject(kind, SEED, name));
          const a =
            verb === 'POST'
              ? await send(h, 'POST', collectionPath(kind, SEED), body, 'application/json')
              : await send(
                  h,
                  verb,
                  `${collectionPath(kind, SEED)}/${encodeURIComponent(name)}`,
                  verb === 'GET' || verb === 'DELETE' ? undefined : body,
                  verb === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
                );
          expect(a.status, `${verb} ${kind} name ${JSON.stringify(name)}: ${a.text}`).toBeGreaterThanOrEqual(400);
          expect(a.status, `${verb} ${kind} name ${JSON.stringify(name)}: ${a.text}`).toBeLessThan(500);
          expect(statusProblem(a)).toBeUndefined();
        },
      ),
      { numRuns: RUNS * 2 },
    );
    const after = await snapshot(h.store);
    record({
      case: 'API fuzz: malformed names in body and URL, every verb (SQLite)',
      faults: runs,
      survived: runs,
      lost: '0 objects',
      pass: JSON.stringify(after) === JSON.stringify(before),
    });
    expect(after).toEqual(before);
  });

  it("a valid object in a browser's simple request (text/plain, form, multipart; with or without the token, any Origin): 4xx, nothing stored", async () => {
    // A page in the user's browser can send these to 127.0.0.1 without a CORS preflight.
    const before = await snapshot(h.store);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WRITABLE),
        fc.constantFrom(
          'text/plain',
          'text/plain;charset=UTF-8',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          '',
        ),
        fc.boolean(),
        fc.constantFrom(undefined, 'http://evil.example', 'null'),
        async (kind, contentType, withToken, origin) => {
          runs += 1;
          const res = await fetch(`${h.base}${collectionPath(kind, SEED)}`, {
            method: 'POST',
            headers: {
              ...(contentType ? { 'content-type': contentType } : {}),
              ...(withToken ? { authorization: `Bearer ${h.token}` } : {}),
              ...(origin ? { origin } : {}),
            },
            body: new Blob([JSON.stringify(validObject(kind, SEED, `simple${runs}`))]),
          });
          const a = {
            status: res.status,
            contentType: res.headers.get('content-type') ?? '',
            text: await res.text(),
            body: undefined as unknown,
          };
          a.body = JSON.parse(a.text);
          const where = `${kind} as ${JSON.stringify(contentType)}, token ${withToken}, origin ${origin}`;
          expect(a.status, `${where}: ${a.text}`).toBeGreaterThanOrEqual(400);
          expect(a.status, where).toBeLessThan(500);
          expect(statusProblem(a), where).toBeUndefined();
        },
      ),
      { numRuns: RUNS },
    );
    const after = await snapshot(h.store);
    record({
      case: "API: valid objects in a browser's simple requests (text/plain, form, multipart, no type; token or not; foreign Origin)",
      faults: runs,
      survived: runs,
      lost: '0 objects',
      pass: JSON.stringify(after) === JSON.stringify(before),
    });
    expect(after).toEqual(before);
  });

  it('a YAML alias bomb is a 4xx Status, nothing stored', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const body = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n  namespace: fuzz\n${levels.join('\n')}\ndata: {}\n`;
    const before = await snapshot(h.store);
    const a = await send(h, 'POST', collectionPath('ConfigMap', 'fuzz'), body, 'application/yaml');
    const ok = a.status >= 400 && a.status < 500 && !statusProblem(a);
    record({
      case: 'API: YAML alias bomb (SQLite)',
      faults: 1,
      survived: ok ? 1 : 0,
      pass: ok && JSON.stringify(await snapshot(h.store)) === JSON.stringify(before),
      note: ok ? '' : `HTTP ${a.status}: ${a.text.slice(0, 120)}`,
    });
    expect(a.status).toBeGreaterThanOrEqual(400);
    expect(a.status).toBeLessThan(500);
    expect(statusProblem(a)).toBeUndefined();
    expect(await snapshot(h.store)).toEqual(before);
  });

  it('writes to read-only kinds, stale resourceVersions and failed delete preconditions: 405 / 409, nothing changed', async () => {
    const before = await snapshot(h.store);
    let faults = 0;
    for (const kind of READ_ONLY) {
      const a = await send(
        h,
        'POST',
        collectionPath(kind, SEED),
        JSON.stringify(validObject(kind, SEED, 'x')),
        'application/json',
      );
      faults += 1;
      expect(a.status).toBe(405);
      expect(statusProblem(a)).toBeUndefined();
    }
    for (const kind of WRITABLE) {
      const path = `${collectionPath(kind, SEED)}/${seedName(kind)}`;
      const current = (await send(h, 'GET', path)).body as { metadata: Record<string, unknown> };
      const stale = { ...current, metadata: { ...current.metadata, resourceVersion: '1', labels: { changed: 'yes' } } };
      const put = await send(h, 'PUT', path, JSON.stringify(stale), 'application/json');
      const patch = await send(
        h,
        'PATCH',
        path,
        JSON.stringify({ metadata: { resourceVersion: '1', labels: { changed: 'yes' } } }),
        'application/merge-patch+json',
      );
      const del = await send(
        h,
        'DELETE',
        path,
        JSON.stringify({ preconditions: { uid: 'not-the-uid' } }),
        'application/json',
      );
      faults += 3;
      for (const a of [put, patch, del]) {
        expect(a.status, a.text).toBe(409);
        expect(statusProblem(a)).toBeUndefined();
      }
    }
    const after = await snapshot(h.store);
    record({
      case: 'API: read-only kinds, stale resourceVersion, failed delete preconditions (SQLite)',
      faults,
      survived: faults,
      lost: '0 objects',
      pass: JSON.stringify(after) === JSON.stringify(before),
    });
    expect(after).toEqual(before);
  });
});
