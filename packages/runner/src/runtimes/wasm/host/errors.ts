/**
 * jco maps a thrown value with a `payload` property onto the `err` case of a WIT `result`;
 * anything else thrown from a host import is a trap.
 */
export class ResultError extends Error {
  constructor(readonly payload: unknown) {
    super(
      typeof payload === 'object' && payload && 'tag' in payload ? String((payload as { tag: unknown }).tag) : 'error',
    );
  }
}

/** wasi:cli/exit called by the guest: ends the call like a trap, but the reason is the guest's own. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`guest called wasi:cli/exit with status ${code}`);
    this.name = 'GuestExit';
  }
}

export const closed = () => new ResultError({ tag: 'closed' });
