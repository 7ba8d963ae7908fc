import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT, isReady, kedge, request, servingPath, useKedgeUp, waitForObject } from './harness.js';

// The example a user copies (examples/autoscale-js): built from source by `npm run build`, deployed
// through `kedge apply` beside helloworld, each of its knobs answered correctly.
const WASM = join(ROOT, 'examples/autoscale-js/build/autoscale.wasm');
const HOST = 'autoscale-js.example.example.com';
const SERVICES = servingPath('example', 'services');

describe('examples/autoscale-js through kedge up', () => {
  const proc = useKedgeUp('kedge-autoscale-', { needs: [WASM] });

  beforeAll(async () => {
    for (const example of ['helloworld', 'autoscale-js']) {
      const r = await kedge(['apply', '-f', join(ROOT, `examples/${example}/service.yaml`)], proc.creds);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    await waitForObject(proc.apiUrl, SERVICES, 'helloworld', isReady);
    await waitForObject(proc.apiUrl, SERVICES, 'autoscale-js', isReady);
  }, 60_000);

  it('keeps the manifest: containerConcurrency 10 and cluster-local outbound', async () => {
    const svc = await waitForObject(proc.apiUrl, SERVICES, 'autoscale-js', isReady);
    expect(svc.spec.template.spec.containerConcurrency).toBe(10);
    expect(svc.spec.template.metadata.annotations['kedge.dev/outbound']).toBe('cluster-local');
  });

  it('?prime=n computes the largest prime up to n', async () => {
    const r = await request(proc.gatewayUrl, HOST, '/?prime=10000');
    expect(r.status).toBe(200);
    expect(r.body).toBe('The largest prime less than 10000 is 9973.\n');
  });

  it('?bloat=mb allocates that much memory inside the guest', async () => {
    const r = await request(proc.gatewayUrl, HOST, '/?bloat=20');
    expect(r.status).toBe(200);
    expect(r.body).toBe('Allocated 20 Mb of memory.\n');
  });

  it('?sleep=ms waits through the monotonic clock', async () => {
    const t0 = performance.now();
    const r = await request(proc.gatewayUrl, HOST, '/?sleep=100');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^Slept for 100 milliseconds \(\d+ ms measured\)\.\n$/);
    expect(Number(/\((\d+) ms measured/.exec(r.body)![1])).toBeGreaterThanOrEqual(100);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('combines the knobs in one request', async () => {
    const r = await request(proc.gatewayUrl, HOST, '/?sleep=10&prime=100&bloat=1');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(
      /^Allocated 1 Mb of memory\.\nThe largest prime less than 100 is 97\.\nSlept for 10 milliseconds/,
    );
  });

  it('?call=helloworld.example calls that service by its cluster-local name and returns its answer', async () => {
    const r = await request(proc.gatewayUrl, HOST, '/?call=helloworld.example');
    expect(r.status).toBe(200);
    expect(r.body).toBe('helloworld.example answered 200: Hello Kedge!\n');
  });

  it("a call to a service that does not exist answers 502 with the callee's answer", async () => {
    const r = await request(proc.gatewayUrl, HOST, '/?call=nope.example');
    expect(r.status).toBe(502);
    expect(r.body).toMatch(/^nope\.example answered 404: /);
  });

  it('bad parameters answer 400 naming the parameter, and the instance keeps serving', async () => {
    const bad = await request(proc.gatewayUrl, HOST, '/?sleep=abc');
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('sleep: want an integer from 0 to 60000, got "abc"\n');
    const tooMuch = await request(proc.gatewayUrl, HOST, '/?bloat=5000');
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body).toMatch(/^bloat: /);
    const after = await request(proc.gatewayUrl, HOST, '/?prime=10');
    expect(after.body).toBe('The largest prime less than 10 is 7.\n');
  });
});
