import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApi, guardFetch, type Api } from '@kedge/api';
import { MemoryBus, SqliteStore, silentLogger, systemClock } from '@kedge/core';
import { freePort } from '@kedge/core/testing';
import {
  HELLO_MANIFEST,
  SHORT_WINDOWS_CONFIG,
  apiFetch,
  request,
  tempDir,
  useKedgeUp,
  type KedgeProcess,
} from './harness.js';

/** Debian's chromium (`apt-get install chromium`, done by .ci/run): the test fails loudly without it. */
const CHROMIUM = process.env.KEDGE_CHROMIUM ?? '/usr/bin/chromium';
/** Set to a path (e.g. docs/dashboard.png) to keep the screenshot the test takes. */
const SCREENSHOT = process.env.KEDGE_DASHBOARD_SCREENSHOT;

/** Short windows so the revision reaches zero within seconds, and zero initial scale allowed for the 500. */
const CONFIG = `${SHORT_WINDOWS_CONFIG}  allow-zero-initial-scale: "true"\n`;

function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** The page's own number for a tile, once it satisfies `ok` (Playwright polls the DOM; no sleeps). */
async function tileBecomes(page: Page, id: string, ok: (n: number) => boolean, timeoutMs: number): Promise<number> {
  let last = NaN;
  await expect
    .poll(
      async () => {
        last = Number(await page.getByTestId(id).textContent());
        return ok(last);
      },
      { timeout: timeoutMs, interval: 200 },
    )
    .toBe(true);
  return last;
}

describe('the dashboard in a real browser, against kedge up', () => {
  const kedge = useKedgeUp('kedge-dashboard-', { config: CONFIG, extra: ['--apply', HELLO_MANIFEST] });
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the service, its replicas rising under load and falling to zero, its cold start and the decisions', async () => {
    await page.goto(`${kedge.apiUrl}/dashboard`);
    const row = page.getByTestId('service-row').filter({ hasText: 'helloworld' });
    await row.click();
    await expect.poll(() => page.getByTestId('detail-name').textContent()).toContain('helloworld');
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('live');
    await expect.poll(() => page.getByTestId('traffic').textContent()).toContain('helloworld-00001100%');
    expect(await page.getByText('http://helloworld.example.example.com').count()).toBe(1);

    // kedge up starts the revision at Knative's initial scale (1); with nothing to serve it goes to zero.
    await tileBecomes(page, 'replicas', (n) => n === 0, 30_000);

    let loading = true;
    const answers: number[] = [];
    const loop = async () => {
      while (loading) answers.push((await request(kedge.gatewayUrl, 'helloworld.example.example.com')).status);
    };
    const loops = Array.from({ length: 4 }, loop);
    try {
      const peak = await tileBecomes(page, 'replicas', (n) => n >= 1, 30_000);
      expect(peak).toBeGreaterThanOrEqual(1);
      await tileBecomes(page, 'rps', (n) => n > 0, 10_000);
      await expect.poll(() => page.getByTestId('p99').textContent()).toMatch(/^\d+(\.\d+)?$/);
    } finally {
      loading = false;
      await Promise.all(loops);
    }
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((s) => s === 200)).toBe(true);

    // The first request met the revision at zero: the activator held it, and the page shows its phases.
    await expect
      .poll(() => page.getByTestId('cold-starts').locator('tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('cold-starts').locator('tbody tr').first().textContent()).toContain(
      'helloworld-00001',
    );

    // Load gone: the stable window passes, the grace period too, and the count falls to zero.
    await tileBecomes(page, 'replicas', (n) => n === 0, 30_000);
    await expect.poll(() => page.getByTestId('events').textContent()).toMatch(/desired scale \d+ → 0/);
    expect(await page.getByTestId('replicas-chart').locator('polyline').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('stays usable with 500 services created through the API: a bounded list, a working filter', async () => {
    const created = await loadServices(kedge, 500);
    const since = performance.now();
    await expect
      .poll(() => page.getByTestId('service-count').textContent(), { timeout: 30_000 })
      .toBe(`${created + 1} of ${created + 1} services`);
    const shownAfterMs = performance.now() - since;
    // Only the rows in view are in the DOM.
    const rows = await page.getByTestId('service-row').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);

    // Typing into the filter to the list redrawn (two animation frames), timed inside the page.
    const filterMs = await page.getByTestId('filter').evaluate(async (input) => {
      // (this file is typechecked without the DOM library: the page's globals are named by hand)
      const g = globalThis as unknown as { requestAnimationFrame(cb: () => void): number };
      const t0 = performance.now();
      (input as unknown as { value: string }).value = 'svc-12';
      input.dispatchEvent(new Event('input'));
      await new Promise<void>((r) => g.requestAnimationFrame(() => g.requestAnimationFrame(r)));
      return performance.now() - t0;
    });
    expect(await page.getByTestId('service-row').count()).toBe(10); // svc-120 … svc-129
    await page.getByTestId('filter').fill('svc-123');
    await expect.poll(() => page.getByTestId('service-row').count()).toBe(1);
    await page.getByTestId('service-row').filter({ hasText: 'svc-123' }).click();
    await expect.poll(() => page.getByTestId('detail-name').textContent()).toContain('svc-123');

    // Scrolling to the end renders the last rows (the list is virtual, not truncated).
    await page.getByTestId('filter').fill('');
    await page.getByTestId('service-list').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await expect.poll(() => page.getByTestId('service-row').filter({ hasText: 'svc-499' }).count()).toBe(1);

    await page.getByTestId('filter').fill('helloworld');
    await expect.poll(() => page.getByTestId('service-row').count()).toBe(1);
    await page.getByTestId('service-row').filter({ hasText: 'helloworld' }).click();
    await page.getByTestId('filter').fill('');
    await expect.poll(() => page.getByTestId('detail-name').textContent()).toContain('helloworld');
    const file = SCREENSHOT ?? join(kedge.dir, 'dashboard.png');
    await page.screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
    process.stdout.write(
      `dashboard: ${created + 1} services listed ${shownAfterMs.toFixed(0)} ms after the last create; a keystroke in the filter redrawn in ${filterMs.toFixed(0)} ms\n`,
    );
  }, 240_000);
});

/** Creates `n` services (the helloworld component, no instance until a request) in namespace `load`. */
async function loadServices(kedge: KedgeProcess, n: number): Promise<number> {
  const hello = (await (
    await apiFetch(kedge.creds, '/apis/serving.knative.dev/v1/namespaces/example/services/helloworld')
  ).json()) as {
    spec: { template: { spec: { containers: { image: string }[] } } };
  };
  const image = hello.spec.template.spec.containers[0]!.image;
  const names = Array.from({ length: n }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  const create = async (name: string) => {
    const res = await apiFetch(kedge.creds, '/apis/serving.knative.dev/v1/namespaces/load/services', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name, namespace: 'load' },
        spec: {
          template: {
            metadata: {
              annotations: { 'autoscaling.knative.dev/initial-scale': '0', 'kedge.dev/warm-instances': '0' },
            },
            spec: { containers: [{ image }] },
          },
        },
      }),
    });
    if (res.status !== 201) throw new Error(`create ${name}: HTTP ${res.status} ${await res.text()}`);
  };
  const queue = [...names];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) await create(name);
    }),
  );
  return n;
}

describe('the dashboard when the API asks for the token on reads', () => {
  const tmp = tempDir('kedge-dashboard-auth-');
  const token = 'dashboard-test-token-0123456789abcdef';
  let api: Api;
  let server: Server;
  let store: SqliteStore;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    store = new SqliteStore(tmp.dir, { clock: systemClock });
    api = createApi({ store, bus: new MemoryBus(), clock: systemClock, logger: silentLogger });
    await api.start();
    // What `kedge api` does on a non-loopback address: reads need the token too.
    const guarded = guardFetch({ token, authenticateReads: true }, (req) => api.fetch(req));
    server = createServer(getRequestListener(guarded));
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    url = `http://127.0.0.1:${port}`;
    const res = await fetch(`${url}/apis/serving.knative.dev/v1/namespaces/default/services`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        metadata: { name: 'secret-app', namespace: 'default' },
        spec: { template: { spec: { containers: [{ image: `app.wasm@sha256:${'a'.repeat(64)}` }] } } },
      }),
    });
    expect(res.status).toBe(201);
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    store?.close();
    tmp.cleanup();
  });

  it('asks for the token, refuses a wrong one, keeps the right one for the tab only, and never shows data without it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${url}/dashboard`);
    await expect.poll(() => page.getByTestId('token-form').isVisible()).toBe(true);
    expect(await page.getByTestId('service-row').count()).toBe(0);

    await page.locator('#token').fill('not-the-token');
    await page.locator('#token-form button').click();
    await expect.poll(() => page.locator('#token-error').textContent()).toContain('refused');
    expect(await page.getByTestId('service-row').count()).toBe(0);

    await page.locator('#token').fill(token);
    await page.locator('#token-form button').click();
    await expect.poll(() => page.getByTestId('service-row').filter({ hasText: 'secret-app' }).count()).toBe(1);
    expect(await page.getByTestId('token-form').isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem('kedge.token'))).toBe(token);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    // A reload in the same tab keeps it; a new tab (another session) asks again.
    await page.reload();
    await expect.poll(() => page.getByTestId('service-row').count()).toBe(1);
    const other = await (await browser.newContext()).newPage();
    await other.goto(`${url}/dashboard`);
    await expect.poll(() => other.getByTestId('token-form').isVisible()).toBe(true);
    await context.close();
  }, 60_000);

  it('serves the page locked down: own scripts only, no framing, no cross-origin reads of the statistics', async () => {
    const page = await fetch(`${url}/dashboard`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // No inline script or handler attribute: the CSP would refuse them anyway, so none may be needed.
    expect(await page.text()).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=/i);
    expect((await fetch(`${url}/apis/kedge.dev/v1/stats`)).status).toBe(401);
    const ok = await fetch(`${url}/apis/kedge.dev/v1/stats`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { revisions: unknown[] }).revisions).toEqual([]);
    const cross = await fetch(`${url}/apis/kedge.dev/v1/stats`, {
      headers: { authorization: `Bearer ${token}`, origin: 'http://evil.example' },
    });
    expect(cross.status).toBe(403);
    const write = await fetch(`${url}/apis/kedge.dev/v1/stats`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(write.status).toBe(405);
    expect(readFileSync(join(import.meta.dirname, '../packages/api/dashboard/dashboard.js'), 'utf8')).not.toContain(
      'innerHTML',
    );
  });
});
