/**
 * The errors every endpoint can fail with, one tagged class each: match them with `Effect.catchTag`.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"

/**
 * The `error` object of an API error body: `{"error": {type, code, param, message}}`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiErrorObject {
  readonly type: string
  readonly message: string
  readonly code: string | null
  readonly param: string | null
}

/**
 * What every error raised from an HTTP response carries.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseErrorFields {
  /** The HTTP method and the path below the base URL, e.g. `GET /containers/cntr_1`. */
  readonly method: string
  readonly path: string
  readonly status: number
  /** The `x-request-id` response header, to quote to OpenAI support. */
  readonly requestId: string | undefined
  /** The API's error object, when the body had one. */
  readonly error: ApiErrorObject | undefined
  /** Response headers, with credentials and cookies redacted. */
  readonly headers: Readonly<Record<string, string>>
  /** Set when a retryable failure was not retried, saying why. */
  readonly notRetried?: string
}

const notRetriedSuffix = (note: string | undefined) => (note === undefined ? "" : ` (not retried: ${note})`)

const requestSuffix = (id: string | undefined) => (id === undefined ? "" : ` [request ${id}]`)

const describeResponse = (self: ResponseErrorFields, detail: string): string =>
  `${self.status} ${detail} (${self.method} ${self.path})${requestSuffix(self.requestId)}${notRetriedSuffix(self.notRetried)}`

type Special = (self: ResponseErrorFields) => string | undefined

type StatusErrorClass<Tag extends string> = new (
  fields: ResponseErrorFields,
) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<ResponseErrorFields>

// `special` words the message of a status the API's error object does not cover: a redirect.
const statusError = <Tag extends string>(tag: Tag, label: string, special?: Special): StatusErrorClass<Tag> =>
  class extends Data.TaggedError(tag)<ResponseErrorFields> {
    override get message(): string {
      return describeResponse(this, special?.(this) ?? this.error?.message ?? label)
    }
  }

/**
 * 400: the API rejected the request as malformed.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequestError extends statusError("BadRequestError", "Bad request") {}

/**
 * 401: the API key is missing or wrong.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends statusError("AuthenticationError", "Authentication failed") {}

/**
 * 403: the key is valid but may not do this.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDeniedError extends statusError("PermissionDeniedError", "Permission denied") {}

/**
 * 404: no such container or file.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends statusError("NotFoundError", "Not found") {}

/**
 * 409: the request conflicts with the resource's current state.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConflictError extends statusError("ConflictError", "Conflict") {}

/**
 * 422: the request was well formed but could not be processed.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnprocessableEntityError extends statusError(
  "UnprocessableEntityError",
  "Unprocessable entity",
) {}

/**
 * 429: rate limited. The wait the server asked for is in `headers` (`retry-after-ms`, `retry-after`).
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends statusError("RateLimitError", "Rate limit exceeded") {}

/**
 * 500 and above: the API failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends statusError("InternalServerError", "Internal server error") {}

/** What a redirect's message says: API calls never follow one, whatever the layer. */
const redirectLabel = (self: ResponseErrorFields): string | undefined => {
  const rule = "API calls never follow redirects"
  // Status 0: how a browser answers a redirect under fetch's `redirect: "manual"`.
  if (self.status === 0)
    return `Redirect refused: ${rule} (the browser hides a redirect's status and Location)`
  if (self.status < 300 || self.status >= 400 || self.status === 304) return undefined
  // The message quotes 300 characters of a Location at most; the headers keep it whole.
  const location = self.headers.location
  const to =
    location === undefined ? "" : ` to ${location.length > 300 ? `${location.slice(0, 300)}…` : location}`
  return `Redirect${to} not followed: ${rule}`
}

/**
 * Any other non-2xx status, a redirect among them (3xx, or a browser's opaque 0): never followed or retried.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiError extends statusError("ApiError", "Unexpected status", redirectLabel) {}

/**
 * The request never got a complete response: DNS, refused or reset connection, a body cut short.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly method: string
  readonly path: string
  readonly description: string
  /** `request`: sending or awaiting the response; `body`: reading it (the server may have acted). */
  readonly phase: "request" | "body"
  readonly cause?: unknown
  readonly notRetried?: string
}> {
  override get message(): string {
    return `Connection failed: ${this.description} (${this.method} ${this.path})${notRetriedSuffix(this.notRetried)}`
  }
}

/**
 * No response headers (or, for `content`, no bytes) arrived within the configured timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Data.TaggedError("TimeoutError")<{
  readonly method: string
  readonly path: string
  readonly timeout: Duration.Duration
  /** `response`: no headers or JSON body; `idle`: content went quiet; `deadline`: content took too long. */
  readonly phase: "response" | "idle" | "deadline"
  readonly notRetried?: string
}> {
  override get message(): string {
    const what =
      this.phase === "idle"
        ? "No bytes received for"
        : this.phase === "deadline"
          ? "The content did not arrive in full within"
          : "No response within"
    return `${what} ${Duration.format(this.timeout)} (${this.method} ${this.path})${notRetriedSuffix(this.notRetried)}`
  }
}

/**
 * A successful response whose body was not valid JSON or did not match the schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseDecodeError extends Data.TaggedError("ResponseDecodeError")<{
  readonly method: string
  readonly path: string
  readonly status: number
  readonly requestId: string | undefined
  /** `MalformedJson`: not JSON at all; `SchemaMismatch`: JSON of the wrong shape. */
  readonly reason: "MalformedJson" | "SchemaMismatch"
  /** The parse issue, in words. */
  readonly issue: string
  readonly cause?: unknown
  readonly notRetried?: string
}> {
  override get message(): string {
    return `Could not decode the ${this.status} response of ${this.method} ${this.path}${requestSuffix(this.requestId)}: ${this.issue}${notRetriedSuffix(this.notRetried)}`
  }
}

/**
 * Bad input (a parameter, a header, a client option), rejected before anything was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequestError extends Data.TaggedError("InvalidRequestError")<{
  readonly message: string
}> {}

/**
 * The errors that carry an HTTP status and the API's error object.
 *
 * @since 0.1.0
 * @category errors
 */
export type StatusError =
  | BadRequestError
  | AuthenticationError
  | PermissionDeniedError
  | NotFoundError
  | ConflictError
  | UnprocessableEntityError
  | RateLimitError
  | InternalServerError
  | ApiError

/**
 * Every error an endpoint can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type ContainersError =
  | StatusError
  | ConnectionError
  | TimeoutError
  | ResponseDecodeError
  | InvalidRequestError

const tags: ReadonlySet<string> = new Set([
  "BadRequestError",
  "AuthenticationError",
  "PermissionDeniedError",
  "NotFoundError",
  "ConflictError",
  "UnprocessableEntityError",
  "RateLimitError",
  "InternalServerError",
  "ApiError",
  "ConnectionError",
  "TimeoutError",
  "ResponseDecodeError",
  "InvalidRequestError",
])

/**
 * Whether a value is one of this library's errors.
 *
 * @since 0.1.0
 * @category refinements
 */
export const isContainersError = (u: unknown): u is ContainersError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag)

const byStatus: Readonly<Record<number, new (fields: ResponseErrorFields) => StatusError>> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
}

/**
 * The error class for a non-2xx status.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStatus = (fields: ResponseErrorFields): StatusError => {
  const StatusClass = byStatus[fields.status] ?? (fields.status >= 500 ? InternalServerError : ApiError)
  return new StatusClass(fields)
}
