/** The revision field whose deadline passed (Knative's names: docs/api.md, "Request timeouts"). */
export type TimeoutField = 'timeoutSeconds' | 'responseStartTimeoutSeconds' | 'idleTimeoutSeconds';

/**
 * A request's deadline passed. Named `TimeoutError` like the platform's own (AbortSignal.timeout),
 * so whoever receives it as a cancellation reason can tell a deadline from a client that left.
 */
export class RequestTimeout extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly field: TimeoutField,
    readonly seconds: number,
  ) {
    super(`request timeout: ${field} (${seconds}s) passed`);
  }
}
