import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ManualClock,
  MemoryBus,
  SqliteStore,
  silentLogger,
  subjects,
  type AnyResource,
  type DecisionMessage,
  type PodAutoscaler,
  type Revision,
} from '@kedge/core';
import { afterEach } from 'vitest';
import { createAutoscaler, type AutoscalerInternals } from '../src/autoscaler.js';
import { FakeRunner } from './fake-runner.js';

/** One autoscaler's world: a real SqliteStore in a temp directory, a MemoryBus, a ManualClock, fake runner nodes. */
export interface AutoscalerWorld {
  clock: ManualClock;
  bus: MemoryBus;
  store: SqliteStore;
  runners: FakeRunner[];
  /** The first node. */
  runner: FakeRunner;
  /** `as-1`, not started: each test decides when. */
  as: AutoscalerInternals;
  /** Every decision on the bus, with the clock's time when it was heard. */
  decisions: (DecisionMessage & { at: number })[];
  /** Something more to end after the test, after the world itself (a second node, a second autoscaler). */
  defer(end: () => unknown): void;
}

export interface WorldOptions {
  /** The ManualClock's start. */
  t0: number;
  nodes?: { id: string; capacity: number }[];
  /** Stored before the autoscaler exists (ConfigMaps, Revisions). */
  objects?: AnyResource[];
}

/**
 * Makes worlds for the tests of one file: each is torn down after its test (autoscaler stopped,
 * runners killed, store closed, directory removed).
 */
export function autoscalerWorlds(prefix: string): (opts: WorldOptions) => Promise<AutoscalerWorld> {
  const ends: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const end of ends.splice(0)) await end();
  });
  return async (opts) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    const clock = new ManualClock(opts.t0);
    const bus = new MemoryBus({ clock });
    const store = new SqliteStore(dir, { clock });
    for (const o of opts.objects ?? []) await store.create(o);
    const runners = (opts.nodes ?? [{ id: 'node-1', capacity: 10 }]).map((n) =>
      new FakeRunner(bus, clock, n.id, n.capacity).start(),
    );
    const as = createAutoscaler({ store, bus, clock, logger: silentLogger, id: 'as-1', statusWriteDelayMs: 0 });
    const decisions: AutoscalerWorld['decisions'] = [];
    bus.subscribe<DecisionMessage>(subjects.decisionAll, (m) => void decisions.push({ ...m.data, at: clock.now() }));
    ends.push(async () => {
      await as.stop();
      for (const r of runners) r.kill();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const defer = (end: () => unknown) => void ends.push(async () => void (await end()));
    return { clock, bus, store, runners, runner: runners[0]!, as, decisions, defer };
  };
}

/** A PodAutoscaler for `rev` as the api's revision reconciler writes it (owned by the Revision). */
export function podAutoscalerOf(
  rev: Revision,
  rest: Pick<PodAutoscaler, 'spec'> & Partial<PodAutoscaler>,
): PodAutoscaler {
  const name = rev.metadata.name!;
  return {
    apiVersion: 'autoscaling.internal.knative.dev/v1alpha1',
    kind: 'PodAutoscaler',
    metadata: {
      name,
      namespace: rev.metadata.namespace!,
      ownerReferences: [
        { apiVersion: rev.apiVersion, kind: 'Revision', name, uid: rev.metadata.uid!, controller: true },
      ],
    },
    ...rest,
  };
}
