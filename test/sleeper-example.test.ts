import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT, isReady, request, servingPath, useKedgeUp, waitForObject } from './harness.js';

// examples/sleeper, built by `npm run build`, deployed the way the README shows: `kedge up --apply`.
const WASM = join(ROOT, 'examples/sleeper/build/sleeper.wasm');
const HOST = 'sleeper.example.example.com';
const SERVICES = servingPath('example', 'services');

describe('examples/sleeper through kedge up', () => {
  const proc = useKedgeUp('kedge-sleeper-', {
    needs: [WASM],
    extra: ['--apply', join(ROOT, 'examples/sleeper/service.yaml')],
  });

  beforeAll(() => waitForObject(proc.apiUrl, SERVICES, 'sleeper', isReady), 60_000);

  it('keeps the manifest: containerConcurrency 10', async () => {
    const svc = await waitForObject(proc.apiUrl, SERVICES, 'sleeper', isReady);
    expect(svc.spec.template.spec.containerConcurrency).toBe(10);
  });

  it('waits 100 ms by default and says so', async () => {
    const r = await request(proc.gatewayUrl, HOST, '/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('slept 100 ms\n');
  });

  it('?ms=N waits N ms, wherever ms sits in the query', async () => {
    expect((await request(proc.gatewayUrl, HOST, '/?ms=0')).body).toBe('slept 0 ms\n');
    expect((await request(proc.gatewayUrl, HOST, '/any/path?x=1&ms=25')).body).toBe('slept 25 ms\n');
    expect((await request(proc.gatewayUrl, HOST, '/?msx=9&ms=3')).body).toBe('slept 3 ms\n');
  });

  it('20 concurrent ?ms=200 requests all answer, none lost', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, () => request(proc.gatewayUrl, HOST, '/?ms=200')));
    expect(all.map((r) => `${r.status} ${r.body}`)).toEqual(Array.from({ length: 20 }, () => '200 slept 200 ms\n'));
  }, 30_000);

  it('a bad ms answers 400 naming the parameter, and the service keeps answering', async () => {
    for (const q of ['abc', '', '60001', '-1', '1.5']) {
      const r = await request(proc.gatewayUrl, HOST, `/?ms=${q}`);
      expect(r.status, `?ms=${q}`).toBe(400);
      expect(r.body).toBe('ms: want an integer from 0 to 60000\n');
    }
    expect((await request(proc.gatewayUrl, HOST, '/?ms=1')).body).toBe('slept 1 ms\n');
  });
});
