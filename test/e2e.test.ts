import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  HELLO_MANIFEST,
  HELLO_WASM,
  SHORT_WINDOWS_CONFIG,
  isReady,
  kedge,
  request,
  requestWith,
  servingPath,
  useKedgeUp,
  waitForObject,
  writeFile,
} from './harness.js';

const HOST = 'helloworld.example.example.com';
const REVISIONS = servingPath('example', 'revisions');
const SERVICES = servingPath('example', 'services');

describe('kedge up: the first request from zero, end to end', () => {
  const proc = useKedgeUp('kedge-e2e-', { needs: [HELLO_WASM], config: SHORT_WINDOWS_CONFIG });

  it('prints the gateway and API addresses once ready', () => {
    expect(proc.output()).toContain(`gateway  http://127.0.0.1:${proc.ports.http}`);
    expect(proc.output()).toContain(`api      http://127.0.0.1:${proc.ports.api}`);
  });

  it('answers an unknown host with a 404 JSON body', async () => {
    const res = await request(proc.gatewayUrl, 'nope.example.example.com');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(res.body)).toMatchObject({ host: 'nope.example.example.com' });
  });

  it('rejects a manifest whose component is missing, storing nothing', async () => {
    const bad = writeFile(
      proc.dir,
      'bad.yaml',
      (await import('node:fs')).readFileSync(HELLO_MANIFEST, 'utf8').replace(/- image: .*/, '- image: ./missing.wasm'),
    );
    const r = await kedge(['apply', '-f', bad], proc.creds);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing.wasm');
    expect(r.stderr).toContain('spec.template.spec.containers[0].image');
    const list = await kedge(['get', 'ksvc', '-n', 'example', '-o', 'json'], proc.creds);
    expect(JSON.parse(list.stdout).items).toEqual([]);
  });

  it('rejects an unknown kind and malformed YAML naming the file', async () => {
    const unknown = writeFile(
      proc.dir,
      'unknown.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n',
    );
    const r1 = await kedge(['apply', '-f', unknown], proc.creds);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/unknown\.yaml: document 1: kind: unknown kind "Deployment"/);
    const malformed = writeFile(proc.dir, 'malformed.yaml', 'apiVersion: [\n');
    const r2 = await kedge(['apply', '-f', malformed], proc.creds);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/malformed\.yaml: document 1: malformed YAML/);
  });

  it('applies the hello example: Service, Configuration, Revision helloworld-00001 and Route, Ready with its URL', async () => {
    const r = await kedge(['apply', '-f', HELLO_MANIFEST], proc.creds);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('service.serving.knative.dev/helloworld created');
    const svc = await waitForObject(proc.apiUrl, SERVICES, 'helloworld', isReady);
    expect(svc.status.url).toBe(`http://${HOST}`);
    expect(svc.status.latestReadyRevisionName).toBe('helloworld-00001');
    const table = await kedge(['get', 'services', '-n', 'example'], proc.creds);
    expect(table.stdout).toMatch(/^NAME\s+URL\s+LATESTCREATED\s+LATESTREADY\s+READY\s+REASON/);
    expect(table.stdout).toMatch(
      /helloworld\s+http:\/\/helloworld\.example\.example\.com\s+helloworld-00001\s+helloworld-00001\s+True/,
    );
  });

  it('serves the first request from zero, then warm', async () => {
    const cold = await request(proc.gatewayUrl, HOST);
    expect(cold.status).toBe(200);
    expect(cold.body).toBe('Hello Kedge!\n');
    const warm = await request(proc.gatewayUrl, HOST);
    expect(warm.status).toBe(200);
    expect(warm.body).toBe('Hello Kedge!\n');
    const rev = await waitForObject(
      proc.apiUrl,
      REVISIONS,
      'helloworld-00001',
      (o: any) => o.status?.actualReplicas >= 1,
    );
    expect(rev.status.desiredReplicas).toBeGreaterThanOrEqual(1);
  });

  it('scales to zero when idle and starts again on the next request', async () => {
    const rev = await waitForObject(
      proc.apiUrl,
      REVISIONS,
      'helloworld-00001',
      (o: any) => o.status?.actualReplicas === 0,
    );
    expect(rev.status.desiredReplicas).toBe(0);
    const again = await request(proc.gatewayUrl, HOST);
    expect(again.status).toBe(200);
    expect(again.body).toBe('Hello Kedge!\n');
  }, 60_000);

  it("answers only the gateway on the runner's port: an instance id from `kedge get nodes` is not enough", async () => {
    await request(proc.gatewayUrl, HOST);
    // The node list is what the last heartbeat (every 1 s) said: ask until it lists the instance.
    type NodeView = { url: string; instances: Record<string, string[]> };
    let node: NodeView | undefined;
    while (!node) {
      const nodes = ((await (await fetch(`${proc.apiUrl}/apis/kedge.dev/v1/nodes`)).json()) as { items: NodeView[] })
        .items;
      node = nodes.find((n) => n.instances['example/helloworld-00001']?.length);
      if (!node) await new Promise((r) => setTimeout(r, 100));
    }
    const instance = node.instances['example/helloworld-00001']![0]!;
    const direct = await requestWith(node.url, { host: HOST, 'kedge-instance': instance });
    expect(direct.status).toBe(401);
    expect(JSON.parse(direct.body)).toMatchObject({ error: 'Unauthorized' });
    const guessed = await requestWith(node.url, {
      host: HOST,
      'kedge-instance': instance,
      'kedge-cluster-token': 'a-guess-0123456789abcdef',
    });
    expect(guessed.status).toBe(403);
    // The gateway still reaches it (in process).
    expect((await request(proc.gatewayUrl, HOST)).status).toBe(200);
  });

  it('keeps every resource across a restart and answers again', async () => {
    expect(await proc.stop('SIGTERM')).toBe(0);
    await proc.start();
    const res = await request(proc.gatewayUrl, HOST);
    expect(res.status).toBe(200);
    expect(res.body).toBe('Hello Kedge!\n');
    const revs = await kedge(['get', 'revisions', '-n', 'example'], proc.creds);
    expect(revs.stdout).toContain('helloworld-00001');
  });

  it('refuses to start on a port in use with a clear message', async () => {
    const r = await kedge([
      'up',
      '--http-port',
      String(proc.ports.http),
      '--api-port',
      String(proc.ports.api),
      '--data-dir',
      join(proc.dir, 'other'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /port \d+ on 127\.0\.0\.1 is already in use \(choose another with --(api|http|runner|admin)-port\)/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
