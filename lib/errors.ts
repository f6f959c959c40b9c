/**
 * Errors in TF Serving's vocabulary. Each carries the canonical error code that TF Serving's
 * REST layer maps to an HTTP status, so every layer can throw without knowing about HTTP.
 * @module errors
 */

/** TF Serving (absl) status codes that the REST API can return. */
export type ServingErrorCode =
  | 'INVALID_ARGUMENT'
  | 'FAILED_PRECONDITION'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'UNIMPLEMENTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'INTERNAL'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_ACCEPTABLE'
  | 'METHOD_NOT_ALLOWED';

/** HTTP status for each code, as TF Serving's http_rest_api_handler maps them. */
export const HTTP_STATUS: Record<ServingErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_ACCEPTABLE: 406,
  METHOD_NOT_ALLOWED: 405,
};

/** Base class: a message for the client and a code that decides the HTTP status. */
export class ServingError extends Error {
  constructor(
    readonly code: ServingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get statusCode(): number {
    return HTTP_STATUS[this.code];
  }

  /** TF Serving's error body. */
  toJSON(): { error: string } {
    return { error: this.message };
  }
}

export class InvalidArgumentError extends ServingError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

export class FailedPreconditionError extends ServingError {
  constructor(message: string) {
    super('FAILED_PRECONDITION', message);
  }
}

export class NotFoundError extends ServingError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class ResourceExhaustedError extends ServingError {
  constructor(message: string) {
    super('RESOURCE_EXHAUSTED', message);
  }
}

export class UnimplementedError extends ServingError {
  constructor(message: string) {
    super('UNIMPLEMENTED', message);
  }
}

export class UnavailableError extends ServingError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

export class DeadlineExceededError extends ServingError {
  constructor(message: string) {
    super('DEADLINE_EXCEEDED', message);
  }
}

export class InternalError extends ServingError {
  constructor(message: string) {
    super('INTERNAL', message);
  }
}

export class PayloadTooLargeError extends ServingError {
  constructor(message: string) {
    super('PAYLOAD_TOO_LARGE', message);
  }
}

export class UnsupportedMediaTypeError extends ServingError {
  constructor(message: string) {
    super('UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** No response format the client's `Accept` allows can carry the outputs. */
export class NotAcceptableError extends ServingError {
  constructor(message: string) {
    super('NOT_ACCEPTABLE', message);
  }
}

export class MethodNotAllowedError extends ServingError {
  constructor(
    message: string,
    readonly allow: string,
  ) {
    super('METHOD_NOT_ALLOWED', message);
  }
}
