import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HELLO_WASM,
  SHORT_WINDOWS_CONFIG,
  apiFetch,
  kedge,
  request,
  serviceYaml,
  servingPath,
  useKedgeUp,
  waitForObject,
  writeFile,
} from './harness.js';
import { buildTestGuest } from '../packages/runner/src/testing/components.js';
import { NEEDS_KUBECTL, kubectlFor } from './kubectl.js';

// Issue 15: operating Kedge the way Knative users do, with the real kubectl against `kedge up`.

const SERVICES = servingPath('ops', 'services');
const REVISIONS = servingPath('ops', 'revisions');

/** A Service whose image is a digest reference kubectl can send (the blob is uploaded beforehand). */
const service = (name: string, image: string) =>
  serviceYaml(name, 'ops', image, { containerConcurrency: 5, target: 'ops' });

describe('operating Kedge with kubectl (issue 15)', () => {
  const proc = useKedgeUp('kedge-ops-', { needs: [NEEDS_KUBECTL, HELLO_WASM], config: SHORT_WINDOWS_CONFIG });
  let k: Awaited<ReturnType<typeof kubectlFor>>;
  let image: string;

  beforeAll(async () => {
    k = await kubectlFor(proc, 'ops');
    const bytes = readFileSync(HELLO_WASM);
    const up = await apiFetch(proc.creds, '/apis/kedge.dev/v1/blobs', {
      method: 'PUT',
      headers: { 'content-type': 'application/wasm' },
      body: bytes,
    });
    expect(up.status).toBe(201);
    const { digest } = (await up.json()) as { digest: string };
    expect(digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    image = `helloworld.wasm@${digest}`;
  }, 60_000);

  it('kubectl apply and kedge apply alternated 4 times on one manifest: one revision, generation 1', async () => {
    const file = writeFile(proc.dir, 'alt.yaml', service('alt', image));
    for (let i = 0; i < 4; i++) {
      const byKubectl = await k.kubectl(['apply', '-f', file]);
      expect(byKubectl.code, byKubectl.stderr).toBe(0);
      const byKedge = await kedge(['apply', '-f', file], proc.creds);
      expect(byKedge.code, byKedge.stderr).toBe(0);
      // kubectl's record is kept word for word, so kedge's PUT changes nothing.
      expect(byKedge.stdout).toContain(
        i === 0 ? 'service.serving.knative.dev/alt ' : 'service.serving.knative.dev/alt unchanged',
      );
      expect(byKedge.stdout).toContain('service.serving.knative.dev/alt ready');
    }
    const svc = (await (await fetch(`${proc.apiUrl}${SERVICES}/alt`)).json()) as any;
    expect(svc.metadata.generation).toBe(1);
    expect(svc.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"name":"alt"');
    const revs = (await (
      await fetch(`${proc.apiUrl}${REVISIONS}?labelSelector=serving.knative.dev/service=alt`)
    ).json()) as any;
    expect(revs.items.map((r: any) => r.metadata.name)).toEqual(['alt-00001']);
    const cfg = await k.kubectl(['get', 'configuration', 'alt', '-o', 'jsonpath={.metadata.generation}']);
    expect(cfg.stdout).toBe('1');
  }, 150_000);

  it('kubectl get pods -w shows an instance appear on a request and go at scale to zero', async () => {
    // From zero: the instance the revision started with (initial scale 1) has gone.
    await waitForObject(
      proc.apiUrl,
      REVISIONS,
      'alt-00001',
      (r: any) => r.status?.actualReplicas === 0 && r.status?.desiredReplicas === 0,
    );
    const watch = k.stream(['get', 'pods', '-w', '--output-watch-events', '-l', 'serving.knative.dev/service=alt']);
    try {
      // No need to wait for the watch to be open: an instance already there when kubectl lists is ADDED too.
      const res = await request(proc.gatewayUrl, 'alt.ops.example.com');
      expect(res.status).toBe(200);
      expect(res.body).toBe('Hello ops!\n');
      const added = await watch.until(/ADDED\s+alt-00001-[0-9a-f]{8}\s+\S+\s+(Running|Pending)/);
      const pod = /ADDED\s+(alt-00001-[0-9a-f]{8})/.exec(added)![1]!;
      const listed = await k.kubectl(['get', 'pods', '-A', '-o', 'wide']);
      expect(listed.stdout).toMatch(new RegExp(`ops\\s+${pod}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+\\S+`));
      const mine = await kedge(['get', 'pods', '-n', 'ops'], proc.creds);
      expect(mine.stdout).toMatch(new RegExp(`${pod}\\s+1/1\\s+Running\\s+0`));
      // Idle: the autoscaler takes it to zero, and the pod goes.
      await watch.until(new RegExp(`DELETED\\s+${pod}`));
    } finally {
      watch.stop();
    }
  }, 60_000);

  it('kubectl get events shows the scale decisions and cold starts; kubectl describe shows them too', async () => {
    const events = await k.kubectl(['get', 'events']);
    expect(events.code, events.stderr).toBe(0);
    expect(events.stdout).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(events.stdout).toMatch(/Normal\s+ScaledUp\s+revision\/alt-00001\s+Scaled from 0 to 1: /);
    expect(events.stdout).toMatch(/Normal\s+ScaledToZero\s+revision\/alt-00001\s+Scaled from 1 to 0: no requests/);
    expect(events.stdout).toMatch(
      /Normal\s+ColdStart\s+revision\/alt-00001\s+Started instance alt-00001-[0-9a-f]{8} on \S+ in [\d.]+ ms/,
    );
    expect(events.stdout).toMatch(/Normal\s+RevisionReady\s+revision\/alt-00001/);
    const described = await k.kubectl(['describe', 'revision', 'alt-00001']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/);
    expect(described.stdout).toMatch(/Normal\s+ScaledToZero\s+.*Scaled from 1 to 0/);
  }, 60_000);

  it("kubectl logs prints a guest's stdout (by pod and by label); kedge logs SERVICE too; a trap is an Event", async () => {
    writeFileSync(join(proc.dir, 'guest.wasm'), await buildTestGuest());
    const file = writeFile(proc.dir, 'logger.yaml', service('logger', 'guest.wasm'));
    const applied = await kedge(['apply', '-f', file], proc.creds);
    expect(applied.code, applied.stderr).toBe(0);
    const res = await request(proc.gatewayUrl, 'logger.ops.example.com', '/log');
    expect(res.body).toBe('logged\n');
    const pods = await k.kubectl([
      'get',
      'pods',
      '-l',
      'serving.knative.dev/service=logger',
      '-o',
      'jsonpath={.items[0].metadata.name}',
    ]);
    const pod = pods.stdout;
    expect(pod).toMatch(/^logger-00001-[0-9a-f]{8}$/);
    const byPod = await k.kubectl(['logs', pod]);
    expect(byPod.code, byPod.stderr).toBe(0);
    expect(byPod.stdout).toContain('to stdout\n');
    const byLabel = await k.kubectl(['logs', '-l', 'serving.knative.dev/service=logger', '--tail=5', '--since=5m']);
    expect(byLabel.stdout).toContain('to stdout\n');
    const mine = await kedge(['logs', 'logger', '-n', 'ops'], proc.creds);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout).toContain(`[pod/${pod}] to stdout\n`);

    // Following: a line written after kubectl logs -f started arrives.
    const follow = k.stream(['logs', '-f', pod]);
    try {
      await follow.until(/to stdout/);
      const before = follow.output().split('to stdout').length;
      await request(proc.gatewayUrl, 'logger.ops.example.com', '/log');
      await follow.until(new RegExp(`(to stdout[\\s\\S]*){${before}}`));
    } finally {
      follow.stop();
    }

    const trapped = await request(proc.gatewayUrl, 'logger.ops.example.com', '/trap');
    expect(trapped.status).toBe(502);
    const events = await k.stream(['get', 'events', '-w', '--field-selector', 'reason=GuestTrap']);
    try {
      await events.until(/Warning\s+GuestTrap\s+revision\/logger-00001\s+Instance logger-00001-[0-9a-f]{8}: /);
    } finally {
      events.stop();
    }
  }, 90_000);

  it("kubectl edit cm config-domain -n knative-serving works on a fresh start (Knative's maps are installed)", async () => {
    const cms = await k.kubectl(['get', 'cm', '-n', 'knative-serving', '-o', 'name']);
    expect(cms.code, cms.stderr).toBe(0);
    for (const name of [
      'config-autoscaler',
      'config-defaults',
      'config-deployment',
      'config-domain',
      'config-features',
      'config-gc',
      'config-kedge-runner',
      'config-network',
    ])
      expect(cms.stdout).toContain(`configmap/${name}\n`);
    const before = await k.kubectl([
      'get',
      'cm',
      'config-domain',
      '-n',
      'knative-serving',
      '-o',
      'jsonpath={.data._example}',
    ]);
    expect(before.stdout).toContain('EXAMPLE CONFIGURATION');
    // The editor a user would be: adds a domain under data and saves.
    const editor = writeFile(
      proc.dir,
      'editor.sh',
      `#!/bin/sh\nsed -i 's/^data:$/data:\\n  ops.kedge.test: ""/' "$1"\n`,
    );
    chmodSync(editor, 0o755);
    const edited = await k.kubectl(['edit', 'cm', 'config-domain', '-n', 'knative-serving'], {
      KUBE_EDITOR: editor,
      EDITOR: editor,
    });
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toContain('configmap/config-domain edited');
    // The running system follows: the Route's URL takes the new domain.
    const ksvc = await k.kubectl([
      'wait',
      'ksvc/alt',
      '--for=jsonpath={.status.url}=http://alt.ops.ops.kedge.test',
      '--timeout=30s',
    ]);
    expect(ksvc.code, ksvc.stderr + ksvc.stdout).toBe(0);
  }, 60_000);

  it('kedge apply of a revision that cannot start exits non-zero within its timeout, with the reason', async () => {
    // A component header with nothing behind it: uploaded, but no runner can compile it.
    writeFileSync(
      join(proc.dir, 'broken.wasm'),
      new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 1, 2, 3]),
    );
    const file = writeFile(proc.dir, 'broken.yaml', service('broken', 'broken.wasm'));
    const started = Date.now();
    const r = await kedge(['apply', '-f', file, '--wait-timeout', '30'], proc.creds);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('service.serving.knative.dev/broken created');
    expect(r.stderr).toMatch(
      /service 'broken' is not ready: RevisionFailed: Revision "broken-00001" failed with message: Container failed with: .*not a valid WebAssembly component/,
    );
    // Everywhere: the revision and its PodAutoscaler (not "Queued").
    const rev = await k.kubectl([
      'get',
      'revision',
      'broken-00001',
      '-o',
      "jsonpath={.status.conditions[?(@.type=='Ready')].reason}",
    ]);
    expect(rev.stdout).toBe('InvalidComponent');
    const pa = await k.kubectl([
      'get',
      'kpa',
      'broken-00001',
      '-o',
      "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
    ]);
    expect(pa.stdout).toBe('False');
    // --no-wait returns at once with exit 0 (it only stored the manifest).
    const quick = await kedge(['apply', '--no-wait', '-f', file], proc.creds);
    expect(quick.code).toBe(0);
    expect(quick.stdout).toBe('service.serving.knative.dev/broken unchanged\n');
  }, 60_000);
});
