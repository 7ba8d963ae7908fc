import type { Clock, TimerHandle } from '../clock.js';
import { RequestTimeout } from './timeout.js';

export interface DeadlineSettings {
  /** The whole request, response included (Knative's timeoutSeconds). */
  timeoutSeconds: number;
  /** Until the response head arrives. */
  responseStartTimeoutSeconds?: number;
  /** Between two chunks of a response that has started. */
  idleTimeoutSeconds?: number;
}

/**
 * A request's Knative deadlines on an injected clock: timeoutSeconds runs from the start to the end
 * of the response, responseStartTimeoutSeconds until the response starts, idleTimeoutSeconds between
 * chunks once it has. The first to pass calls `onFire` once; the gateway and the queue both arm one.
 */
export class Deadlines {
  private overall: TimerHandle | undefined;
  private start: TimerHandle | undefined;
  private idle: TimerHandle | undefined;
  private firedWith: RequestTimeout | undefined;
  private done = false;

  constructor(
    private readonly clock: Clock,
    private readonly settings: DeadlineSettings,
    private readonly onFire: (timeout: RequestTimeout) => void,
  ) {
    this.overall = clock.setTimeout(
      () => this.fire('timeoutSeconds', settings.timeoutSeconds),
      settings.timeoutSeconds * 1000,
    );
    const startSecs = settings.responseStartTimeoutSeconds;
    if (startSecs)
      this.start = clock.setTimeout(() => this.fire('responseStartTimeoutSeconds', startSecs), startSecs * 1000);
  }

  /** The deadline that passed, if one did. */
  get fired(): RequestTimeout | undefined {
    return this.firedWith;
  }

  /** The response head arrived: its deadline no longer applies, the idle one starts. */
  responseStarted(): void {
    if (this.start) this.clock.clearTimeout(this.start);
    this.start = undefined;
    this.touch();
  }

  /** A chunk went out: the idle deadline starts again. */
  touch(): void {
    const secs = this.settings.idleTimeoutSeconds;
    if (!secs || this.done) return;
    if (this.idle) this.clock.clearTimeout(this.idle);
    this.idle = this.clock.setTimeout(() => this.fire('idleTimeoutSeconds', secs), secs * 1000);
  }

  /** The request ended: no deadline applies any more. */
  clear(): void {
    this.done = true;
    for (const t of [this.overall, this.start, this.idle]) if (t) this.clock.clearTimeout(t);
    this.overall = this.start = this.idle = undefined;
  }

  private fire(field: RequestTimeout['field'], seconds: number): void {
    if (this.done) return;
    this.firedWith = new RequestTimeout(field, seconds);
    this.clear();
    this.onFire(this.firedWith);
  }
}
