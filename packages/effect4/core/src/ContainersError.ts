/**
 * The errors every endpoint can fail with: one tagged class per HTTP status family, plus
 * transport, timeout, decode and input errors. Match them with `Effect.catchTag`. Each is a
 * `Data.TaggedError`, as `effect/http`'s own errors are.
 *
 * @since 2.0.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"

/**
 * The `error` object of an API error body: `{"error": {type, code, param, message}}`.
 *
 * @since 2.0.0
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
 * @since 2.0.0
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

const describeResponse = (self: ResponseErrorFields, detail: string): string => {
  const id = self.requestId === undefined ? "" : ` [request ${self.requestId}]`
  return `${self.status} ${detail} (${self.method} ${self.path})${id}${notRetriedSuffix(self.notRetried)}`
}

type StatusErrorClass<Tag extends string> = new (
  fields: ResponseErrorFields,
) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<ResponseErrorFields>

const statusError = <Tag extends string>(tag: Tag, label: string): StatusErrorClass<Tag> =>
  class extends Data.TaggedError(tag)<ResponseErrorFields> {
    override get message(): string {
      return describeResponse(this, this.error?.message ?? label)
    }
  }

/**
 * 400: the API rejected the request as malformed.
 *
 * @since 2.0.0
 * @category errors
 */
export class BadRequestError extends statusError("BadRequestError", "Bad request") {}

/**
 * 401: the API key is missing or wrong.
 *
 * @since 2.0.0
 * @category errors
 */
export class AuthenticationError extends statusError("AuthenticationError", "Authentication failed") {}

/**
 * 403: the key is valid but may not do this.
 *
 * @since 2.0.0
 * @category errors
 */
export class PermissionDeniedError extends statusError("PermissionDeniedError", "Permission denied") {}

/**
 * 404: no such container or file.
 *
 * @since 2.0.0
 * @category errors
 */
export class NotFoundError extends statusError("NotFoundError", "Not found") {}

/**
 * 409: the request conflicts with the resource's current state.
 *
 * @since 2.0.0
 * @category errors
 */
export class ConflictError extends statusError("ConflictError", "Conflict") {}

/**
 * 422: the request was well formed but could not be processed.
 *
 * @since 2.0.0
 * @category errors
 */
export class UnprocessableEntityError extends statusError(
  "UnprocessableEntityError",
  "Unprocessable entity",
) {}

/**
 * 429: rate limited. The wait the server asked for, if any, is in `headers` (`retry-after-ms`,
 * `retry-after`).
 *
 * @since 2.0.0
 * @category errors
 */
export class RateLimitError extends statusError("RateLimitError", "Rate limit exceeded") {}

/**
 * 500 and above: the API failed.
 *
 * @since 2.0.0
 * @category errors
 */
export class InternalServerError extends statusError("InternalServerError", "Internal server error") {}

// A Location is quoted in the message up to this length (the headers keep it whole).
const maxLocationLength = 300

/** What a redirect's message says: API calls never follow one, whatever the layer. */
const redirectLabel = (self: ResponseErrorFields): string | undefined => {
  const rule = "API calls never follow redirects"
  if (self.status === 0) {
    // A browser's answer to a redirect under fetch's `redirect: "manual"` (or one that
    // XMLHttpRequest followed, refused by the browser layer).
    return `Redirect refused: ${rule} (the browser hides a redirect's status and Location)`
  }
  if (self.status < 300 || self.status >= 400 || self.status === 304) return undefined
  const location = self.headers.location
  const to =
    location === undefined
      ? ""
      : ` to ${location.length > maxLocationLength ? `${location.slice(0, maxLocationLength)}…` : location}`
  return `Redirect${to} not followed: ${rule}`
}

/**
 * Any other non-2xx status. A redirect (3xx, or status 0: a browser's opaque redirect) is one
 * too: API calls never follow one; it is returned as it came, and the default policy does not
 * retry it. Its message says so: `307 Redirect to <Location> not followed: API calls never
 * follow redirects (GET /containers/…)`.
 *
 * @since 2.0.0
 * @category errors
 */
export class ApiError extends statusError("ApiError", "Unexpected status") {
  override get message(): string {
    return describeResponse(this, redirectLabel(this) ?? this.error?.message ?? "Unexpected status")
  }
}

/**
 * The request never got a complete response: DNS, refused or reset connection, a body cut
 * short.
 *
 * @since 2.0.0
 * @category errors
 */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly method: string
  readonly path: string
  readonly description: string
  /**
   * `request`: sending, or waiting for the response; `body`: the response came, reading its
   * body failed (the server may have acted on the request).
   */
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
 * @since 2.0.0
 * @category errors
 */
export class TimeoutError extends Data.TaggedError("TimeoutError")<{
  readonly method: string
  readonly path: string
  readonly timeout: Duration.Duration
  /**
   * `response`: waiting for headers and a JSON body; `idle`: a content stream went quiet;
   * `deadline`: a content stream's overall deadline passed (see `ContainerFiles.content`).
   */
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
 * @since 2.0.0
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
    const id = this.requestId === undefined ? "" : ` [request ${this.requestId}]`
    return `Could not decode the ${this.status} response of ${this.method} ${this.path}${id}: ${this.issue}${notRetriedSuffix(this.notRetried)}`
  }
}

/**
 * Bad input, rejected before anything was sent: a parameter, a header value, or a client
 * option no call can work with (a zero timeout, say).
 *
 * @since 2.0.0
 * @category errors
 */
export class InvalidRequestError extends Data.TaggedError("InvalidRequestError")<{
  readonly message: string
}> {}

/**
 * The errors that carry an HTTP status and the API's error object.
 *
 * @since 2.0.0
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
 * @since 2.0.0
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
 * @since 2.0.0
 * @category refinements
 */
export const isContainersError = (u: unknown): u is ContainersError =>
  Predicate.hasProperty(u, "_tag") && typeof u._tag === "string" && tags.has(u._tag)

/**
 * The error class for a non-2xx status.
 *
 * @since 2.0.0
 * @category constructors
 */
export const fromStatus = (fields: ResponseErrorFields): StatusError => {
  switch (fields.status) {
    case 400:
      return new BadRequestError(fields)
    case 401:
      return new AuthenticationError(fields)
    case 403:
      return new PermissionDeniedError(fields)
    case 404:
      return new NotFoundError(fields)
    case 409:
      return new ConflictError(fields)
    case 422:
      return new UnprocessableEntityError(fields)
    case 429:
      return new RateLimitError(fields)
    default:
      return fields.status >= 500 ? new InternalServerError(fields) : new ApiError(fields)
  }
}
