import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryBus,
  PROCESS_REVISIONS_FEATURE,
  SqliteStore,
  SYSTEM_NAMESPACE,
  type ConfigMap,
  imageWithDigest,
  silentLogger,
  subjects,
  systemClock,
  type Container,
  type EndpointsMessage,
  type Revision,
  type RevisionHealth,
  type RevisionSpec,
  type StartInstanceReply,
} from '@kedge/core';
import { createRunner, type Runner } from '../runner.js';
import type { ContainerEngine } from '../runtimes/container/engine.js';

/** A runner on a MemoryBus and a SQLite store in a temp dir, plus helpers to drive it like the autoscaler. */
export class RunnerHarness {
  readonly bus = new MemoryBus();
  store!: SqliteStore;
  runner!: Runner;
  dir!: string;
  readonly nodeId = 'node-test';
  readonly endpoints: EndpointsMessage[] = [];
  readonly health: RevisionHealth[] = [];
  private readonly healthListeners = new Set<(h: RevisionHealth) => void>();

  async setup(
    opts: {
      workers?: number;
      gatewayUrl?: string;
      gatewayFetch?: (req: Request) => Promise<Response>;
      processRevisions?: boolean;
      containerEngine?: ContainerEngine | null;
    } = {},
  ): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'kedge-runner-'));
    this.store = new SqliteStore(join(this.dir, 'store'));
    if (opts.processRevisions) await this.setProcessRevisions('enabled');
    this.bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => void this.endpoints.push(m.data));
    this.bus.subscribe<RevisionHealth>(subjects.revisionHealthAll, (m) => {
      this.health.push(m.data);
      for (const l of [...this.healthListeners]) l(m.data);
    });
    this.runner = createRunner({
      store: this.store,
      bus: this.bus,
      clock: systemClock,
      logger: silentLogger,
      nodeId: this.nodeId,
      url: 'http://127.0.0.1:0',
      dataDir: join(this.dir, 'runner'),
      workers: opts.workers ?? 2,
      spareWorkers: 1,
      ...(opts.gatewayUrl ? { gatewayUrl: opts.gatewayUrl } : {}),
      ...(opts.gatewayFetch ? { gatewayFetch: opts.gatewayFetch } : {}),
      ...(opts.containerEngine !== undefined ? { containerEngine: opts.containerEngine } : {}),
    });
    await this.runner.start();
    return this;
  }

  /** Writes config-features `kedge.process-revisions` (as `kedge up --allow-process-revisions` would). */
  async setProcessRevisions(value: 'enabled' | 'disabled'): Promise<void> {
    const cm: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config-features', namespace: SYSTEM_NAMESPACE },
      data: { [PROCESS_REVISIONS_FEATURE]: value },
    };
    const cur = await this.store.get<ConfigMap>('ConfigMap', SYSTEM_NAMESPACE, 'config-features');
    if (cur)
      await this.store.update({ ...cm, metadata: { ...cm.metadata, resourceVersion: cur.metadata.resourceVersion } });
    else await this.store.create(cm);
  }

  async teardown(): Promise<void> {
    await this.runner?.stop();
    await this.store?.close();
    await this.bus.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** Stores the component and a Revision using it (as `kedge apply` + the api would). */
  async revision(
    name: string,
    component: Uint8Array | undefined,
    spec: Partial<RevisionSpec> = {},
    env: Record<string, string> = {},
    container: Partial<Container> = {},
    annotations: Record<string, string> = {},
  ): Promise<Revision> {
    const image = component ? imageWithDigest('guest.wasm', await this.store.blobs.put(component)) : 'none';
    const rev: Revision = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Revision',
      metadata: {
        name,
        namespace: 'test',
        annotations,
        labels: {
          'serving.knative.dev/service': name.replace(/-\d+$/, ''),
          'serving.knative.dev/configuration': name.replace(/-\d+$/, ''),
        },
      },
      spec: {
        containers: [{ image, env: Object.entries(env).map(([n, value]) => ({ name: n, value })), ...container }],
        timeoutSeconds: 30,
        ...spec,
      } as RevisionSpec,
    };
    return this.store.create(rev);
  }

  start(revision: string, instanceId: string): Promise<StartInstanceReply> {
    return this.bus.request<StartInstanceReply>(
      subjects.runnerStart(this.nodeId),
      { namespace: 'test', revision, instanceId },
      { timeoutMs: 20_000 },
    );
  }

  stop(revision: string, instanceId: string): Promise<unknown> {
    return this.bus.request(subjects.runnerStop(this.nodeId), { namespace: 'test', revision, instanceId });
  }

  dispatch(revision: string, instanceId: string, path = '/', init: RequestInit = {}): Promise<Response> {
    return this.runner.dispatcher.dispatch(
      { namespace: 'test', revision, instanceId },
      new Request(`http://${revision}.test.example.com${path}`, init),
    );
  }

  /** Resolves with the first health message for the revision matching `pred`. */
  waitHealth(revision: string, pred: (h: RevisionHealth) => boolean = () => true): Promise<RevisionHealth> {
    const found = this.health.find((h) => h.revision === revision && pred(h));
    if (found) return Promise.resolve(found);
    return this.nextHealth(revision, pred);
  }

  /** Resolves with the next health message for the revision matching `pred`, ignoring those already sent. */
  nextHealth(revision: string, pred: (h: RevisionHealth) => boolean = () => true): Promise<RevisionHealth> {
    return new Promise((resolve) => {
      const listener = (x: RevisionHealth) => {
        if (x.revision !== revision || !pred(x)) return;
        this.healthListeners.delete(listener);
        resolve(x);
      };
      this.healthListeners.add(listener);
    });
  }
}
