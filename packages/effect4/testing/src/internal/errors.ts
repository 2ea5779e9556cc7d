/**
 * The API's error responses: the `{"error": {...}}` body OpenAI sends, built in one place so every
 * route and fault answers with the same shape.
 */
import * as Data from "effect/Data"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

/**
 * The `error` object of an API error body.
 *
 * @since 2.0.0
 * @category models
 */
export interface ErrorObject {
  readonly message: string
  readonly type: string
  readonly param: string | null
  readonly code: string | null
}

/**
 * A failed request: the status and the `error` object of the body. Routes fail with it and the app
 * turns it into a response.
 *
 * @internal
 */
export class ApiFailure extends Data.TaggedError("ApiFailure")<{
  readonly status: number
  readonly error: ErrorObject
  /** Sent with the error body (`Retry-After` on a 429, say). */
  readonly headers?: Readonly<Record<string, string>> | undefined
}> {
  override get message(): string {
    return this.error.message
  }
}

/**
 * A control of the fake (`createContainer`, `addFile`, `expireContainer`) refused: the status and
 * the `error` object the API would answer the same request with.
 *
 * @since 2.0.0
 * @category errors
 */
export class ControlError extends Data.TaggedError("ControlError")<{
  readonly status: number
  readonly error: ErrorObject
}> {
  override get message(): string {
    return this.error.message
  }
}

/** The same refusal, from a control rather than a request. @internal */
export const toControlError = (failure: ApiFailure): ControlError =>
  new ControlError({ status: failure.status, error: failure.error })

/** @internal */
export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiFailure({ status: 400, error: { message, type: "invalid_request_error", param, code } })

/** @internal */
export const missingParameter = (param: string) =>
  invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter")

/** @internal */
export const invalidType = (param: string, expected: string, got: unknown) =>
  invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${describe(got)} instead.`,
    param,
    "invalid_type",
  )

/** @internal */
export const invalidValue = (param: string, got: unknown, supported: ReadonlyArray<string>) =>
  invalidRequest(
    `Invalid value: ${JSON.stringify(got)}. Supported values are: ${supported.map((s) => `'${s}'`).join(", ")}.`,
    param,
    "invalid_value",
  )

/** @internal */
export const notFound = (message: string, param: string | null = null) =>
  new ApiFailure({ status: 404, error: { message, type: "invalid_request_error", param, code: null } })

/** @internal */
export const containerNotFound = (id: string) => notFound(`No container found with id '${id}'.`)

/** What the API answers any file operation on an expired container. @internal */
export const containerExpired = invalidRequest("Container is expired.")

/** @internal */
export const unauthorized = (message: string, code: string | null) =>
  new ApiFailure({ status: 401, error: { message, type: "invalid_request_error", param: null, code } })

/** The `type` OpenAI uses for a status, for injected faults that only name a status. */
const typeForStatus = (status: number): string => {
  if (status === 401 || status === 400 || status === 404 || status === 409 || status === 422) {
    return "invalid_request_error"
  }
  if (status === 403) return "permission_error"
  if (status === 429) return "requests"
  if (status >= 500) return "server_error"
  return "api_error"
}

/** @internal */
export const injectedFailure = (status: number): ErrorObject => ({
  message: `Injected fault: HTTP ${status}.`,
  type: typeForStatus(status),
  param: null,
  code: status === 429 ? "rate_limit_exceeded" : null,
})

/** @internal */
export const encodeBody = (error: ErrorObject): string => JSON.stringify({ error }, null, 2)

/** @internal */
export const toResponse = (failure: ApiFailure): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(encodeBody(failure.error), {
    status: failure.status,
    contentType: "application/json",
    headers: failure.headers,
  })

const describe = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  switch (typeof value) {
    case "string":
      return "a string"
    case "number":
      return Number.isInteger(value) ? "an integer" : "a decimal"
    case "boolean":
      return "a boolean"
    case "object":
      return "an object"
    default:
      return typeof value
  }
}
