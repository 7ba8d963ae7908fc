import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The runner's WAT test guest: /spin counts down from 30 million before answering (pure guest CPU).
import { buildTestGuest } from '../packages/runner/src/testing/components.js';
import { apiFetch, isReady, kedge, request, servingPath, useKedgeUp, waitForObject, writeFile } from './harness.js';

const NS = 'example';
const HOST = `spinner.${NS}.example.com`;
const PAS = `/apis/autoscaling.internal.knative.dev/v1alpha1/namespaces/${NS}/podautoscalers`;
const SERVICES = servingPath(NS, 'services');

// HPA on CPU: 50 % of a 250m request; at most three instances. One client, one request at a time.
const MANIFEST = `apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: spinner, namespace: ${NS} }
spec:
  template:
    metadata:
      annotations:
        autoscaling.knative.dev/class: hpa.autoscaling.knative.dev
        autoscaling.knative.dev/metric: cpu
        autoscaling.knative.dev/target: "50"
        autoscaling.knative.dev/max-scale: "3"
    spec:
      containers:
        - image: guest.wasm
          resources: { requests: { cpu: 250m } }
`;

describe('kedge up: the HPA class scales a CPU-heavy guest on CPU while one request at a time arrives', () => {
  const proc = useKedgeUp('kedge-hpa-');

  beforeAll(async () => {
    writeFileSync(join(proc.dir, 'guest.wasm'), await buildTestGuest());
    const applied = await kedge(['apply', '-f', writeFile(proc.dir, 'spinner.yaml', MANIFEST)], proc.creds);
    expect(applied.code, applied.stderr).toBe(0);
    await waitForObject(proc.apiUrl, SERVICES, 'spinner', isReady);
  }, 60_000);

  it('goes from one instance to its max-scale of three, with a single client in flight', async () => {
    let stop = false;
    let served = 0;
    // Concurrency 1: the KPA would keep one instance for this (1 in flight against a target of 100).
    const client = (async () => {
      while (!stop) {
        const r = await request(proc.gatewayUrl, HOST, '/spin');
        expect(r.status).toBe(200);
        served++;
      }
    })();
    try {
      const pa = await waitForObject(
        proc.apiUrl,
        PAS,
        'spinner-00001',
        (p: any) => p.status?.desiredScale === 3 && p.status?.actualScale === 3,
      );
      expect(pa.metadata.annotations['autoscaling.knative.dev/class']).toBe('hpa.autoscaling.knative.dev');
    } finally {
      stop = true;
      await client;
    }
    expect(served).toBeGreaterThan(0);

    // kubectl get kpa: the server-side table names the class.
    const res = await apiFetch(proc.creds, PAS, {
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' },
    });
    const table = (await res.json()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    const names = table.columnDefinitions.map((c) => c.name);
    expect(names).toEqual(['Name', 'Class', 'DesiredScale', 'ActualScale', 'Ready', 'Reason']);
    expect(table.rows[0]!.cells.slice(0, 2)).toEqual(['spinner-00001', 'hpa.autoscaling.knative.dev']);
    const cli = await kedge(['get', 'kpa', '-n', NS], proc.creds);
    expect(cli.stdout).toMatch(/^NAME\s+CLASS\s+DESIREDSCALE/);
    expect(cli.stdout).toMatch(/spinner-00001\s+hpa\.autoscaling\.knative\.dev\s+3\s+3\s+True/);
  }, 120_000);
});
