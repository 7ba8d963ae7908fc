import type { FieldError, StoreError, KindInfo } from '@kedge/core';

/** Kubernetes' metav1.Status: every error the API returns has this shape, so kubectl and kn print it. */
export interface StatusCause {
  field?: string;
  message: string;
  reason?: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
}

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'MisdirectedRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'Expired'
  | 'ServiceUnavailable'
  | 'InternalError';

const CODES: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  MisdirectedRequest: 421,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  MethodNotAllowed: 405,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  NotAcceptable: 406,
  Expired: 410,
  ServiceUnavailable: 503,
  InternalError: 500,
};

/** Thrown anywhere in a handler; the app turns it into a Status response. */
export class ApiError extends Error {
  readonly code: number;
  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = CODES[reason];
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function badRequest(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError('BadRequest', message, causes ? { causes } : undefined);
}

/** `services.serving.knative.dev` — how Kubernetes names a resource in messages. */
export function qualifiedPlural(info: KindInfo): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

export function notFound(info: KindInfo, name: string): ApiError {
  return new ApiError('NotFound', `${qualifiedPlural(info)} "${name}" not found`, {
    name,
    group: info.group,
    kind: info.plural,
  });
}

/** Knative's FieldError problems become 422 Invalid with one cause per field, as kubectl prints them. */
export function invalid(info: KindInfo, name: string, err: FieldError): ApiError {
  const causes = err.problems.map((p) => ({
    reason: 'FieldValueInvalid',
    field: p.path,
    message: p.message,
  }));
  const summary = err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join(', ');
  return new ApiError('Invalid', `${info.kind}.${info.group || 'core'} "${name}" is invalid: ${summary}`, {
    name,
    group: info.group,
    kind: info.kind,
    causes,
  });
}

/** Maps the Store's error codes onto Kubernetes reasons; anything else is a real server fault. */
export function fromStoreError(err: StoreError, info: KindInfo, name: string): ApiError {
  const details = { name, group: info.group, kind: info.plural };
  switch (err.code) {
    case 'NotFound':
      return notFound(info, name);
    case 'AlreadyExists':
      return new ApiError('AlreadyExists', `${qualifiedPlural(info)} "${name}" already exists`, details);
    case 'Conflict':
      return new ApiError(
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedPlural(info)} "${name}": the object has been modified; ` +
          `please apply your changes to the latest version and try again`,
        details,
      );
    case 'Invalid':
      return new ApiError('Invalid', err.message, { ...details, causes: [{ message: err.message }] });
  }
}

export function statusResponse(err: ApiError, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(err.toStatus()), {
    status: err.code,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
