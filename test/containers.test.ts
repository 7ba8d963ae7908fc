import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import {
  BLOAT_GO_SRC,
  HELLOWORLD_GO_SRC,
  buildGoImage,
  containersLabelled,
  removeImages,
  requirePodman,
} from '../packages/runner/src/testing/podman.js';
import {
  ROOT,
  SHORT_WINDOWS_CONFIG,
  isReady,
  kedge,
  request,
  servingPath,
  useKedgeUp,
  waitForObject,
} from './harness.js';

const run = promisify(execFile);
// Images under names of this run, so nothing else on the machine is touched and afterAll removes them.
const tag = randomUUID().slice(0, 8);
const HELLO_IMAGE = `localhost/kedge-e2e-helloworld-go:${tag}`;
const BLOAT_IMAGE = `localhost/kedge-e2e-bloat:${tag}`;
const NS = `containers-${tag}`;
const HOST = `helloworld-go.${NS}.example.com`;
const REVISIONS = servingPath(NS, 'revisions');
const SERVICES = servingPath(NS, 'services');
const NS_LABEL = `serving.knative.dev/revisionNamespace=${NS}`;

/** The example's manifest as the user has it, but for this run's image name and namespace. */
function helloManifest(target = 'Go Sample v1', traffic = ''): string {
  const text = readFileSync(join(ROOT, 'examples/helloworld-go/service.yaml'), 'utf8')
    .replace('image: localhost/helloworld-go', `image: ${HELLO_IMAGE}`)
    .replace('namespace: default', `namespace: ${NS}`)
    .replace('value: "Go Sample v1"', `value: "${target}"`);
  return text + traffic;
}

async function leftoverNetworking(): Promise<string[]> {
  const rules = (await run('iptables-save').catch(() => ({ stdout: '' }))).stdout;
  const links = (await run('ip', ['-o', 'link']).catch(() => ({ stdout: '' }))).stdout;
  return [...rules.split('\n'), ...links.split('\n')].filter((l) => /CNI-|NETAVARK|cni-podman|podman\d/.test(l));
}

describe('container revisions on podman, through kedge up', () => {
  let networkBefore: string[] = [];
  const proc = useKedgeUp('kedge-containers-', {
    config: SHORT_WINDOWS_CONFIG,
    before: async () => {
      await requirePodman();
      networkBefore = await leftoverNetworking();
      await Promise.all([buildGoImage(HELLOWORLD_GO_SRC, HELLO_IMAGE), buildGoImage(BLOAT_GO_SRC, BLOAT_IMAGE)]);
    },
    // Whatever a failed test left: this run's containers and images.
    after: async () => {
      const ids = (
        await run('podman', ['ps', '--all', '--quiet', '--filter', `label=${NS_LABEL}`]).catch(() => ({ stdout: '' }))
      ).stdout;
      for (const id of ids.split('\n').filter(Boolean))
        await run('podman', ['rm', '--force', '--time', '0', id]).catch(() => undefined);
      await removeImages(HELLO_IMAGE, BLOAT_IMAGE);
    },
    timeoutMs: 600_000,
    afterTimeoutMs: 120_000,
  });

  it('deploys helloworld-go and answers "Hello Go Sample v1!" through the gateway by Host', async () => {
    const r = await kedge(['apply', '-f', '-'], { ...proc.creds, input: helloManifest() });
    expect(r.stderr).toBe('');
    const svc = await waitForObject(proc.apiUrl, SERVICES, 'helloworld-go', isReady);
    expect(svc.status.url).toBe(`http://${HOST}`);
    const res = await request(proc.gatewayUrl, HOST);
    expect(res.status).toBe(200);
    expect(res.body).toBe('Hello Go Sample v1!\n');
  }, 60_000);

  it('scales to zero: no container left running', async () => {
    await waitForObject(proc.apiUrl, REVISIONS, 'helloworld-go-00001', (o: any) => o.status?.actualReplicas === 0);
    await expect
      .poll(() => containersLabelled('serving.knative.dev/revision=helloworld-go-00001', NS_LABEL), { timeout: 30_000 })
      .toEqual([]);
  }, 90_000);

  it('comes back from zero with 50 concurrent requests, all 200', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => request(proc.gatewayUrl, HOST)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(results.map((r) => r.body))).toEqual(new Set(['Hello Go Sample v1!\n']));
  }, 60_000);

  it('a second revision and a traffic split', async () => {
    const traffic = `  traffic:\n    - revisionName: helloworld-go-00001\n      percent: 50\n    - latestRevision: true\n      percent: 50\n`;
    const r = await kedge(['apply', '-f', '-'], { ...proc.creds, input: helloManifest('Go Sample v2', traffic) });
    expect(r.stderr).toBe('');
    await waitForObject(
      proc.apiUrl,
      SERVICES,
      'helloworld-go',
      (o: any) => o.status?.latestReadyRevisionName === 'helloworld-go-00002' && o.status?.traffic?.length === 2,
    );
    const seen = new Set<string>();
    for (let i = 0; i < 60 && seen.size < 2; i++) {
      const res = await request(proc.gatewayUrl, HOST);
      expect(res.status).toBe(200);
      seen.add(res.body);
    }
    expect(seen).toEqual(new Set(['Hello Go Sample v1!\n', 'Hello Go Sample v2!\n']));
  }, 120_000);

  it('a container over its memory limit is killed and replaced; its neighbour keeps serving', async () => {
    const manifest = `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: bloat
  namespace: ${NS}
spec:
  template:
    metadata:
      annotations:
        autoscaling.knative.dev/min-scale: "2"
    spec:
      containers:
        - image: ${BLOAT_IMAGE}
          resources:
            limits:
              memory: 48Mi
`;
    expect((await kedge(['apply', '-f', '-'], { ...proc.creds, input: manifest })).stderr).toBe('');
    const host = `bloat.${NS}.example.com`;
    await waitForObject(proc.apiUrl, REVISIONS, 'bloat-00001', (o: any) => o.status?.actualReplicas === 2);
    // This run's namespace too: the runner's own container tests, maybe running beside this file, have a bloat-00001.
    const labels = ['serving.knative.dev/revision=bloat-00001', NS_LABEL];
    const before = await containersLabelled(...labels);
    expect(before).toHaveLength(2);
    const killed = await request(proc.gatewayUrl, host, '/?bloat=200');
    expect(killed.status, killed.body).toBe(502);
    // Once the runner saw the container die, the neighbour serves everything while it is replaced
    // (a request sent in the moment between the kill and its notice fails like the killed one).
    await expect.poll(() => containersLabelled(...labels), { timeout: 10_000 }).toHaveLength(1);
    for (let i = 0; i < 10; i++) {
      const res = await request(proc.gatewayUrl, host);
      expect(res.status, res.body).toBe(200);
    }
    await expect
      .poll(
        async () => {
          const now = await containersLabelled(...labels);
          return now.length === 2 && now.filter((n) => before.includes(n)).length === 1;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    expect((await request(proc.gatewayUrl, host)).body).toBe('ok bloat-00001\n');
  }, 120_000);

  it('delete: no container and no network left behind', async () => {
    for (const name of ['helloworld-go', 'bloat'])
      expect((await kedge(['delete', 'service', name, '-n', NS], proc.creds)).code).toBe(0);
    await expect.poll(() => containersLabelled(NS_LABEL), { timeout: 30_000 }).toEqual([]);
    expect(await leftoverNetworking()).toEqual(networkBefore);
  }, 60_000);
});
