import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryBus, silentLogger, subjects, type Endpoint, type PokeMessage } from '@kedge/core';
import { Activator, type Lease } from './activator.js';

const NS = 'ns';
const REV = 'sleeper-00001';

const ep = (instanceId: string, concurrency: number): Endpoint => ({
  namespace: NS,
  revision: REV,
  instanceId,
  nodeId: 'n',
  url: 'http://127.0.0.1:1',
  concurrency,
});

function setup() {
  const clock = new ManualClock(1_000_000);
  const bus = new MemoryBus({ clock });
  const pokes: PokeMessage[] = [];
  bus.subscribe<PokeMessage>(subjects.pokeAll, (m) => void pokes.push(m.data));
  const activator = new Activator({ bus, clock, logger: silentLogger, id: 'gw-1' });
  const s = activator.state(NS, REV);
  const leases: Lease[] = [];
  const waiting: Promise<Lease>[] = [];
  /** n more requests through the activator: a slot at once, or held. */
  const arrive = (n: number) => {
    for (let i = 0; i < n; i++) {
      const now = activator.tryAcquire(s);
      if (now) leases.push(now);
      else waiting.push(activator.acquire(s, 60_000));
    }
  };
  const delivered = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { clock, activator, s, pokes, leases, waiting, arrive, delivered };
}

describe('Activator pokes', () => {
  it('pokes once when requests are held for a revision with no instance (Knative), then in its reports', async () => {
    const { activator, s, pokes, arrive, delivered } = setup();
    arrive(5);
    await delivered();
    expect(pokes).toEqual([expect.objectContaining({ namespace: NS, revision: REV, held: 1, concurrency: 1 })]);
    activator.report();
    await delivered();
    expect(pokes.at(-1)).toMatchObject({ held: 5, concurrency: 5 });
    activator.setEndpoints(s.key, [ep('a', 10)]);
  });

  it('pokes with the concurrency it carries when requests are held behind full instances, again only with news', async () => {
    const { clock, activator, s, pokes, leases, arrive, delivered } = setup();
    activator.setEndpoints(s.key, [ep('a', 10)]);
    arrive(10);
    await delivered();
    // Ten slots, ten requests: nothing held, nothing to say.
    expect(leases).toHaveLength(10);
    expect(pokes).toHaveLength(0);
    arrive(1);
    await delivered();
    expect(pokes).toEqual([expect.objectContaining({ held: 1, concurrency: 11 })]);
    // Within the second, another poke only once the concurrency has doubled since the last one.
    arrive(10);
    await delivered();
    expect(pokes).toHaveLength(1);
    arrive(1);
    await delivered();
    expect(pokes.map((p) => [p.held, p.concurrency])).toEqual([
      [1, 11],
      [12, 22],
    ]);
    // A report interval later any held request is news again.
    clock.advance(1000);
    arrive(1);
    await delivered();
    expect(pokes.at(-1)).toMatchObject({ held: 13, concurrency: 23 });
    // The once-a-second report re-pokes while requests are still held.
    const before = pokes.length;
    activator.report();
    await delivered();
    expect(pokes.length).toBe(before + 1);
    expect(pokes.at(-1)).toMatchObject({ held: 13, concurrency: 23 });
  });

  it('does not poke when capacity frees up before anyone waits, nor in its report once nothing is held', async () => {
    const { activator, s, pokes, leases, waiting, arrive, delivered } = setup();
    activator.setEndpoints(s.key, [ep('a', 2)]);
    arrive(3);
    await delivered();
    expect(pokes).toHaveLength(1);
    leases[0]!.release();
    const held = await waiting[0]!;
    expect(held.held?.cold).toBe(false);
    activator.report();
    await delivered();
    expect(pokes).toHaveLength(1);
  });
});
