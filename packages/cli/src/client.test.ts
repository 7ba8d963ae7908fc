import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createClient, parseWarnings } from './client.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A real HTTP server answering every request with `status`, `headers`, `body`; records what it got. */
async function answer(status: number, headers: Record<string, string>, body: string) {
  const seen: { method?: string; auth?: string; type?: string }[] = [];
  server = createServer((req, res) => {
    seen.push({ method: req.method!, auth: req.headers.authorization!, type: req.headers['content-type']! });
    req.resume();
    req.on('end', () => res.writeHead(status, headers).end(body));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const svc = {
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'a', namespace: 'default' },
} as const;

describe('the CLI client', () => {
  it('parses Kubernetes Warning headers, several in one', () => {
    expect(parseWarnings('299 - "a: clamped", 299 - "b \\"quoted\\""')).toEqual(['a: clamped', 'b "quoted"']);
    expect(parseWarnings(null)).toEqual([]);
  });

  it('sends the bearer token and hands warnings to onWarning', async () => {
    const { url, seen } = await answer(
      201,
      { 'content-type': 'application/json', warning: '299 - "x: clamped to 8"' },
      JSON.stringify(svc),
    );
    const warnings: string[] = [];
    await createClient(url, { token: 't0ken-t0ken-t0ken', onWarning: (w) => warnings.push(w) }).create(svc as never);
    expect(seen[0]).toEqual({ method: 'POST', auth: 'Bearer t0ken-t0ken-t0ken', type: 'application/json' });
    expect(warnings).toEqual(['x: clamped to 8']);
  });

  it("fails with the server's Status message and causes", async () => {
    const status = {
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: 'Service "a" is invalid',
      details: { causes: [{ field: 'spec.x', message: 'bad' }] },
    };
    const { url } = await answer(422, { 'content-type': 'application/json' }, JSON.stringify(status));
    const err = await createClient(url)
      .create(svc as never)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect((err as ApiError).message).toBe('Service "a" is invalid\nspec.x: bad');
  });

  it('fails with the HTTP status when the answer is empty or not a Status', async () => {
    const { url } = await answer(502, {}, '');
    await expect(createClient(url).create(svc as never)).rejects.toThrow('HTTP 502 Bad Gateway');
  });

  it('never takes a 2xx that is not JSON for a success (kedge apply exits 1)', async () => {
    const { url } = await answer(200, { 'content-type': 'text/html' }, '<html>hello</html>');
    await expect(createClient(url).create(svc as never)).rejects.toThrow(/not JSON: is --api the Kedge API/);
  });
});
