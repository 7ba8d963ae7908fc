import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  HELLO_MANIFEST,
  ROOT,
  isReady,
  request,
  requestWith,
  servingPath,
  useKedgeUp,
  waitForObject,
} from './harness.js';

// examples/caller calling examples/helloworld by its cluster-local name, deployed as the README shows.
const WASM = join(ROOT, 'examples/caller/build/caller.wasm');
const HOST = 'caller.example.example.com';
const SERVICES = servingPath('example', 'services');

describe('examples/caller through kedge up', () => {
  const proc = useKedgeUp('kedge-caller-', {
    needs: [WASM],
    extra: ['--apply', HELLO_MANIFEST, '--apply', join(ROOT, 'examples/caller/service.yaml')],
  });

  beforeAll(async () => {
    for (const name of ['helloworld', 'caller']) await waitForObject(proc.apiUrl, SERVICES, name, isReady);
  }, 60_000);

  it("answers with helloworld's answer, called by its cluster-local name", async () => {
    const r = await request(proc.gatewayUrl, HOST);
    expect(`${r.status} ${r.body}`).toBe('200 Hello Kedge!\n');
  });

  it('50 concurrent callers all get the answer, none lost', async () => {
    const all = await Promise.all(Array.from({ length: 50 }, () => request(proc.gatewayUrl, HOST)));
    expect(all.map((r) => `${r.status} ${r.body}`)).toEqual(Array(50).fill('200 Hello Kedge!\n'));
  }, 60_000);

  it('ignores a hop count sent from outside: the gateway strips it, so the call is not refused as a loop', async () => {
    // Had it reached the guest, 16 hops would make its call the 17th: loop-detected (error 36).
    const r = await requestWith(proc.gatewayUrl, { host: HOST, 'kedge-hops': '16' });
    expect(`${r.status} ${r.body}`).toBe('200 Hello Kedge!\n');
  });
});
