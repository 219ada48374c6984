/**
 * The API's errors: a closed set of stable codes, each with one HTTP status (RFC 9110 §15). The
 * body is `{code, message, details}`, the shape `--json` errors have on the CLI, so a client
 * branches on `code` and shows `message`. Messages never carry secrets or data values.
 */
export const API_ERRORS = {
  /** The request line or a header is malformed (e.g. a percent-escape that decodes to nothing). */
  BAD_REQUEST: 400,
  /** A path that could name something outside the served zones: `..`, encoded separators, … */
  PATH_REFUSED: 400,
  /** No such route, or (in a dataset the caller may read) no such version or artifact. */
  NOT_FOUND: 404,
  /** Only GET and HEAD: the API is read-only. */
  METHOD_NOT_ALLOWED: 405,
  /** A request body (none is ever accepted). */
  BODY_NOT_ALLOWED: 413,
  URI_TOO_LONG: 414,
  /** Header fields larger than the server's maxHeaderSize (RFC 6585 §5). */
  HEADERS_TOO_LARGE: 431,
  /** The request (headers and all) did not arrive within the request timeout. */
  REQUEST_TIMEOUT: 408,
  /** No bearer token, and the dataset is unknown or not public: RFC 6750 §3.1. */
  AUTH_REQUIRED: 401,
  /** A bearer token that matches no configured token (or a malformed Authorization header). */
  TOKEN_INVALID: 401,
  /** A valid token whose roles the dataset's policy labels do not allow, or an unknown dataset. */
  FORBIDDEN: 403,
  /** The policy boundary refuses this artifact (not generalized, not an aggregate, uncheckable). */
  POLICY_DENIED: 403,
  /** The file on disk no longer has the sha256 its version recorded: served never, logged always. */
  ARTIFACT_INTEGRITY: 500,
  INTERNAL: 500,
  /** A tlog-tiles entry bundle holding an event body over 65,535 bytes, which the spec cannot frame yet. */
  ENTRY_TOO_LARGE: 501,
  /** The server is shutting down. */
  UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details: Record<string, unknown>;
  /** Extra response headers (WWW-Authenticate, Allow). */
  readonly headers: Record<string, string>;
  /** Why, for the refusal log only: never sent to the client (it may say more than the body may). */
  readonly reason: string | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; headers?: Record<string, string>; reason?: string } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }

  get status(): number {
    return API_ERRORS[this.code];
  }

  body(): { code: ApiErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}
