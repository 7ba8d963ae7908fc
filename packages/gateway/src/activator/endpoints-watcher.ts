import {
  subjects,
  type Bus,
  type Clock,
  type DecisionMessage,
  type EndpointsMessage,
  type Logger,
  type NodeHeartbeat,
  type Store,
  type Subscription,
  type TimerHandle,
} from '@kedge/core';
import { ServerlessServiceStatusWriter } from '../sks.js';
import type { Activator } from './activator.js';
import { EndpointsRegistry } from './endpoints.js';

const EXPIRE_INTERVAL_MS = 500;

/**
 * The activator's view of instances and SKS modes (Knative's revisionBackendsManager and SKS
 * informer): every runner's endpoints and heartbeats, the autoscaler's Proxy/Serve decisions, and,
 * when this gateway writes it, the ServerlessService status from the endpoints it sees.
 */
export class EndpointsWatcher {
  private readonly registry: EndpointsRegistry;
  private readonly sks: ServerlessServiceStatusWriter | undefined;
  private subs: Subscription[] = [];
  private expiry: TimerHandle | undefined;

  constructor(
    private readonly deps: {
      bus: Bus;
      store: Store;
      clock: Clock;
      logger: Logger;
      gatewayId: string;
      activator: Activator;
      writeServerlessServiceStatus: boolean;
    },
  ) {
    const { store, clock, logger, activator, bus } = deps;
    this.sks = deps.writeServerlessServiceStatus
      ? new ServerlessServiceStatusWriter({ store, clock, logger })
      : undefined;
    this.registry = new EndpointsRegistry(
      clock,
      (key, eps) => {
        activator.setEndpoints(key, eps);
        this.sks?.observe(key, eps.length);
      },
      (nodeId) => {
        logger.info({ nodeId }, 'runner node is back; asking runners to resync endpoints');
        this.resync();
      },
      () => bus.connected(),
    );
  }

  async start(): Promise<void> {
    const { bus, activator, clock } = this.deps;
    this.subs.push(
      bus.subscribe<EndpointsMessage>(subjects.endpointsAll, (m) => this.registry.apply(m.data)),
      bus.subscribe<NodeHeartbeat>(subjects.nodeHeartbeat, (m) => this.registry.heartbeat(m.data)),
      bus.subscribe<DecisionMessage>(subjects.decisionAll, (m) => activator.setDecision(m.data)),
    );
    if (this.sks) await this.sks.start();
    this.expiry = clock.setInterval(() => this.registry.expire(), EXPIRE_INTERVAL_MS);
  }

  /** Runners re-announce their endpoints when asked, so a late gateway starts complete. */
  resync(): void {
    this.deps.bus.publish(subjects.endpointsResync, { gatewayId: this.deps.gatewayId, time: this.deps.clock.now() });
  }

  async stop(): Promise<void> {
    if (this.expiry) this.deps.clock.clearInterval(this.expiry);
    this.expiry = undefined;
    for (const s of this.subs.splice(0)) s.unsubscribe();
    await this.sks?.stop();
  }
}
