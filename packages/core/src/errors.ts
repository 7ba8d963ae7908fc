/**
 * Knative's FieldError: every problem carries the path of the field it is about, and
 * several problems travel together so the user sees all of them at once.
 */
export interface FieldProblem {
  path: string;
  message: string;
}

export class FieldError extends Error {
  readonly problems: FieldProblem[];

  constructor(problems: FieldProblem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n'));
    this.name = 'FieldError';
    this.problems = problems;
  }

  static of(path: string, message: string): FieldError {
    return new FieldError([{ path, message }]);
  }
}

/** Collects problems while walking an object; `throwIfAny` ends a validation pass. */
export class FieldErrors {
  readonly problems: FieldProblem[] = [];

  add(path: string, message: string): this {
    this.problems.push({ path, message });
    return this;
  }

  merge(other: FieldErrors | FieldError | undefined, prefix?: string): this {
    if (!other) return this;
    for (const p of other.problems) {
      const path = prefix ? (p.path ? `${prefix}.${p.path}` : prefix) : p.path;
      this.problems.push({ path, message: p.message });
    }
    return this;
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }

  toError(): FieldError | undefined {
    return this.empty ? undefined : new FieldError(this.problems);
  }

  throwIfAny(): void {
    const err = this.toError();
    if (err) throw err;
  }
}

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid';

/** Raised by Store implementations; the API maps `code` onto Kubernetes Status reasons. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
