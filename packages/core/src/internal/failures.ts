/**
 * From what went wrong to the library's errors: platform failures, error statuses with the
 * API's error object, parse issues in bounded words; and the two rewrites every returned error
 * may get (the key scrubbed out, a note saying why it was not retried).
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import type { ResolvedOptions } from "../ContainersClient.js"
import {
  type ApiErrorObject,
  ConnectionError,
  type ContainersError,
  fromStatus,
  InvalidRequestError,
} from "../ContainersError.js"
import type { Endpoint } from "./request.js"

const sensitiveHeaders = new Set([
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "proxy-authorization",
])

/** Response headers as handed out in errors: credentials a server sends back are blanked. */
export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name] = sensitiveHeaders.has(name) ? "<redacted>" : headers[name]!
  return out
}

export const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    // Node 22 and later wrap some stream errors in one with an empty message.
    const inner = cause.cause instanceof Error ? cause.cause.message : ""
    return [cause.message, inner].filter((part) => part !== "").join(": ")
  }
  return String(cause)
}

const phase = {
  Transport: "",
  Encode: "sending the request body: ",
  Decode: "reading the response body: ",
  EmptyBody: "reading the response body: ",
  StatusCode: "",
  InvalidUrl: "",
} as const

export const fromPlatformError = (
  endpoint: Endpoint,
  error: HttpClientError.HttpClientError,
): ContainersError => {
  if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
    return new InvalidRequestError({ message: `Invalid URL for ${endpoint.method} ${endpoint.path}` })
  }
  // Keep the underlying cause only: the platform error holds the request and its headers.
  return new ConnectionError({
    method: endpoint.method,
    path: endpoint.path,
    phase: error._tag === "ResponseError" ? "body" : "request",
    description: `${phase[error.reason]}${describeCause(error.cause ?? error.description ?? error.message)}`,
    cause: error.cause,
  })
}

const parseApiError = (text: string): ApiErrorObject | undefined => {
  try {
    const body: unknown = JSON.parse(text)
    if (typeof body !== "object" || body === null || !("error" in body)) return undefined
    const error = body.error
    if (typeof error !== "object" || error === null) return undefined
    const field = (name: string) => {
      const value = (error as Record<string, unknown>)[name]
      return typeof value === "string" ? value : null
    }
    return {
      type: field("type") ?? "unknown",
      message: field("message") ?? "",
      code: field("code"),
      param: field("param"),
    }
  } catch {
    return undefined
  }
}

export const statusFailure = (endpoint: Endpoint, response: HttpClientResponse.HttpClientResponse) =>
  response.text.pipe(
    Effect.orElseSucceed(() => ""),
    Effect.flatMap((text) =>
      Effect.fail(
        fromStatus({
          method: endpoint.method,
          path: endpoint.path,
          status: response.status,
          requestId: response.headers["x-request-id"],
          error: parseApiError(text),
          headers: redactHeaders(response.headers),
        }),
      ),
    ),
  )

/** The secrets a server could echo: the API key, and a bearer token given as a header. */
const secretsOf = (options: ResolvedOptions): ReadonlyArray<string> => {
  const secrets: Array<string> = []
  if (Option.isSome(options.apiKey)) secrets.push(Redacted.value(options.apiKey.value))
  for (const name in options.headers) {
    if (name.toLowerCase() !== "authorization") continue
    const value = options.headers[name]!
    secrets.push(value, value.replace(/^\s*bearer\s+/i, ""))
  }
  // Empty or very short values would match everywhere; configure refuses an empty key anyway.
  return secrets.filter((secret) => secret.length >= 8)
}

/** Headers with the key (and a configured bearer token) replaced wherever a server echoed it. */
export const scrubHeaders = (
  options: ResolvedOptions,
  headers: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> => {
  const secrets = secretsOf(options)
  if (secrets.length === 0 || !Object.values(headers).some((v) => secrets.some((s) => v.includes(s)))) {
    return headers
  }
  const hide = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("<redacted>"), text)
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, hide(v)]))
}

/** Whether `text` (a body, say) contains the key or a configured bearer token. */
export const echoesSecret = (options: ResolvedOptions, text: string): boolean =>
  secretsOf(options).some((secret) => text.includes(secret))

/**
 * Replaces the API key wherever a server echoed it back into an error (the request id, its
 * message, a header, a body quoted in a decode issue, a transport's description): what the
 * library hands out must never show the key. A cause that quotes it is dropped.
 */
export const hideKey = (options: ResolvedOptions, error: ContainersError): ContainersError => {
  if (error._tag === "InvalidRequestError") return error
  const secrets = secretsOf(options)
  if (secrets.length === 0) return error
  const has = (text: string | undefined | null) =>
    typeof text === "string" && secrets.some((secret) => text.includes(secret))
  const hide = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("<redacted>"), text)
  const fields: Record<string, unknown> = {}
  if ("headers" in error && Object.values(error.headers).some(has)) {
    fields.headers = Object.fromEntries(Object.entries(error.headers).map(([k, v]) => [k, hide(v)]))
  }
  if ("requestId" in error && error.requestId !== undefined && has(error.requestId)) {
    fields.requestId = hide(error.requestId)
  }
  if ("error" in error && error.error !== undefined && has(JSON.stringify(error.error))) {
    const { type, message, code, param } = error.error
    fields.error = {
      type: hide(type),
      message: hide(message),
      code: code === null ? null : hide(code),
      param: param === null ? null : hide(param),
    }
  }
  if (error._tag === "ResponseDecodeError" && has(error.issue)) fields.issue = hide(error.issue)
  if (error._tag === "ConnectionError" && has(error.description)) fields.description = hide(error.description)
  if (
    "cause" in error &&
    error.cause !== undefined &&
    (fields.issue !== undefined || has(describeCause(error.cause)))
  ) {
    fields.cause = undefined
  }
  return Object.keys(fields).length === 0 ? error : rebuild(error, fields)
}

export const withNote = (error: ContainersError, note: string | undefined): ContainersError =>
  note === undefined || error._tag === "InvalidRequestError" ? error : rebuild(error, { notRetried: note })

/** The same error class with some fields replaced; every error class takes its fields object. */
const rebuild = (error: ContainersError, fields: Record<string, unknown>): ContainersError => {
  const Rebuild = error.constructor as new (fields: object) => ContainersError
  // `cause` is the native Error cause, which is not enumerable: a spread alone would drop it.
  const cause = "cause" in error && error.cause !== undefined ? { cause: error.cause } : {}
  return new Rebuild({ ...error, ...cause, ...fields })
}

/** The longest parse issue quoted in a `ResponseDecodeError`: a hostile body must not make a huge message. */
const maxIssueLength = 2_000

/**
 * The parse issue in words, bounded. The `ParseError` itself is kept as the cause only when it
 * prints in full: formatting it pastes the offending value (20 MB of it, say) or, for a value
 * nested deeper than the stack, throws a RangeError from `message`, `toString` and `stack`.
 */
export const describeParseError = (
  error: ParseResult.ParseError,
): { readonly issue: string; readonly cause: unknown } => {
  try {
    const text = ParseResult.TreeFormatter.formatErrorSync(error)
    if (text.length <= maxIssueLength) return { issue: text, cause: error }
    return {
      issue: `${text.slice(0, maxIssueLength)}… (${text.length - maxIssueLength} more characters)`,
      cause: undefined,
    }
  } catch {
    return {
      issue: "the body does not match the schema and is nested too deeply to describe",
      cause: undefined,
    }
  }
}
