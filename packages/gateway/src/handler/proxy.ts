import type { Clock, Logger } from '@kedge/core';
import type { Activator, Lease, RevisionState } from '../activator/activator.js';
import { ProxiedCall } from '../forward/call.js';
import { instanceMissing, NoFreeSlotError } from '../forward/refusals.js';
import { respond } from '../forward/response.js';
import type { InstanceSender } from '../forward/sender.js';
import { NeverReachedError } from '../forward/transport.js';
import { upstreamOf, type Upstream } from '../forward/upstream.js';
import type { ConnInfo } from '../gateway.js';
import type { StatsReporter } from '../stats-reporter.js';
import { proxyFailure } from './answers.js';

const MAX_ATTEMPTS = 3;

interface Answer {
  res: Response;
  held: Lease['held'];
}

function serverTiming(held: NonNullable<Lease['held']>): string {
  const parts = [`activator;dur=${held.ms.toFixed(2)}`];
  if (held.pokeMs !== undefined) parts.push(`poke;dur=${held.pokeMs.toFixed(2)}`);
  return parts.join(', ');
}

/**
 * The activator's handler (Knative's pkg/activator/handler/handler.go): wait for a slot on an
 * instance, forward, pass the response on. Deadlines and cancellation live in the ProxiedCall.
 */
export class ProxyHandler {
  constructor(
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      activator: Activator;
      sender: InstanceSender;
      stats: StatsReporter;
    },
  ) {}

  async proxy(
    req: Request,
    info: ConnInfo | undefined,
    s: RevisionState,
    startMs: number,
    stripHops: boolean,
  ): Promise<Response> {
    const { stats } = this.deps;
    const call = new ProxiedCall(req, this.deps.clock, s);
    let answer: Answer;
    try {
      answer = await this.forward(upstreamOf(req, info, call, stripHops), s, call);
    } catch (err) {
      call.failed(err);
      const res = proxyFailure(err, s, req.signal.aborted, this.deps.logger);
      stats.answered(s.key, s.namespace, s.revision, res.status, startMs);
      return res;
    }
    call.responseStarted();
    stats.answered(s.key, s.namespace, s.revision, answer.res.status, startMs);
    if (answer.held?.cold) stats.coldStart(s, answer.held, answer.res.status, startMs);
    return respond(answer.res, answer.held ? serverTiming(answer.held) : undefined, info, call);
  }

  /**
   * Throttles and sends; an instance that turns out to be gone is left for another (MAX_ATTEMPTS),
   * and a call refused for want of a slot waits in the throttler again (no attempt used up).
   */
  private async forward(up: Upstream, s: RevisionState, call: ProxiedCall): Promise<Answer> {
    const { activator, sender } = this.deps;
    let held: Lease['held'];
    for (let attempt = 1; ; attempt++) {
      const lease =
        activator.tryAcquire(s) ??
        (await Promise.race([activator.acquire(s, s.timeoutSeconds * 1000, call.signal()), call.timedOut]));
      call.holding(lease);
      held ??= lease.held;
      try {
        const ep = lease.backend.endpoint;
        const pending = sender.send(ep, up, lease.proxied);
        call.sending({ pending, lease });
        let res = await Promise.race([pending, call.timedOut]);
        if (res.status === 503) res = await Promise.race([instanceMissing(ep, res, up.body === null), call.timedOut]);
        call.sending(undefined);
        return { res, held };
      } catch (err) {
        call.sending(undefined);
        if (err instanceof NoFreeSlotError && lease.proxied && !call.timeout && !up.original.signal.aborted) {
          attempt--;
          call.holding(undefined);
          lease.release(true);
          continue;
        }
        if (
          !(err instanceof NeverReachedError) ||
          attempt >= MAX_ATTEMPTS ||
          call.timeout ||
          up.original.signal.aborted
        )
          throw err;
        this.deps.logger.debug({ err, revision: s.key, attempt }, 'instance unreachable, trying another');
        call.holding(undefined);
        lease.release();
        s.throttler.remove(lease.backend.endpoint.instanceId);
      }
    }
  }
}
