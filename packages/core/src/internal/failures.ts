/** From what went wrong to the library's errors, and two rewrites: the key scrubbed out, a retry note. */
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
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

const secretHeaders = new Set(["authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"])

/** Response headers as handed out in errors: credentials a server sends back are blanked. */
export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, secretHeaders.has(k) ? "<redacted>" : v]))

export const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    // Node 22 and later wrap some stream errors in one with an empty message.
    const inner = cause.cause instanceof Error ? cause.cause.message : ""
    return [cause.message, inner].filter((part) => part !== "").join(": ")
  }
  return String(cause)
}

const phase: Partial<Record<HttpClientError.HttpClientError["reason"], string>> = {
  Encode: "sending the request body: ",
  Decode: "reading the response body: ",
  EmptyBody: "reading the response body: ",
}

export const fromPlatformError =
  (endpoint: Endpoint) =>
  (error: HttpClientError.HttpClientError): ContainersError => {
    if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
      return new InvalidRequestError({ message: `Invalid URL for ${endpoint.method} ${endpoint.path}` })
    }
    // Keep the underlying cause only: the platform error holds the request and its headers.
    return new ConnectionError({
      method: endpoint.method,
      path: endpoint.path,
      phase: error._tag === "ResponseError" ? "body" : "request",
      description: `${phase[error.reason] ?? ""}${describeCause(error.cause ?? error.description ?? error.message)}`,
      cause: error.cause,
    })
  }

const parseApiError = (text: string): ApiErrorObject | undefined => {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return undefined
  }
  const error = Predicate.hasProperty(body, "error") ? body.error : undefined
  if (!Predicate.isObject(error)) return undefined
  const field = (name: string) =>
    Predicate.hasProperty(error, name) && typeof error[name] === "string" ? error[name] : null
  return {
    type: field("type") ?? "unknown",
    message: field("message") ?? "",
    code: field("code"),
    param: field("param"),
  }
}

export const statusFailure = (endpoint: Endpoint, response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(
    Effect.orElseSucceed(response.text, () => ""),
    (text) =>
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
  )

/** The secrets a server could echo (the key, a header's bearer token); short ones would match anywhere. */
const secretsOf = (options: ResolvedOptions): ReadonlyArray<string> =>
  [
    ...Option.toArray(Option.map(options.apiKey, Redacted.value)),
    ...Object.entries(options.headers)
      .filter(([name]) => name.toLowerCase() === "authorization")
      .flatMap(([, value]) => [value, value.replace(/^\s*bearer\s+/i, "")]),
  ].filter((secret) => secret.length >= 8)

/** Finds and replaces the secrets a server could echo, or undefined if there are none. */
const scrubber = (options: ResolvedOptions) => {
  const secrets = secretsOf(options)
  if (secrets.length === 0) return undefined
  const has = (text: unknown) => typeof text === "string" && secrets.some((secret) => text.includes(secret))
  const hide = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("<redacted>"), text)
  const hideAll = (record: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k, hide(v)]))
  return { has, hide, hideAll }
}

/** Headers with the key (and a configured bearer token) replaced wherever a server echoed it. */
export const scrubHeaders = (options: ResolvedOptions, headers: Readonly<Record<string, string>>) => {
  const s = scrubber(options)
  return s === undefined || !Object.values(headers).some(s.has) ? headers : s.hideAll(headers)
}

/** Whether `text` (a body, say) contains the key or a configured bearer token. */
export const echoesSecret = (options: ResolvedOptions, text: string): boolean =>
  scrubber(options)?.has(text) ?? false

/** Replaces the key wherever a server echoed it into an error, dropping a cause that quotes it. */
export const hideKey = (options: ResolvedOptions, error: ContainersError): ContainersError => {
  const s = error._tag === "InvalidRequestError" ? undefined : scrubber(options)
  if (s === undefined) return error
  const fields: Record<string, unknown> = {}
  if ("headers" in error && Object.values(error.headers).some(s.has))
    fields.headers = s.hideAll(error.headers)
  for (const name of ["requestId", "issue", "description"]) {
    const value = Predicate.hasProperty(error, name) ? error[name] : undefined
    if (typeof value === "string" && s.has(value)) fields[name] = s.hide(value)
  }
  if ("error" in error && error.error !== undefined && s.has(JSON.stringify(error.error))) {
    const { type, message, code, param } = error.error
    fields.error = {
      type: s.hide(type),
      message: s.hide(message),
      code: code === null ? null : s.hide(code),
      param: param === null ? null : s.hide(param),
    }
  }
  const cause = "cause" in error ? error.cause : undefined
  if (cause !== undefined && (fields.issue !== undefined || s.has(describeCause(cause))))
    fields.cause = undefined
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

// A hostile body must not make a huge message.
const maxIssueLength = 2_000

const tooDeep = "the body does not match the schema and is nested too deeply to describe"

/**
 * The parse issue in words, bounded. The `ParseError` is kept as the cause only when it prints
 * in full: it pastes the offending value (20 MB, say), or throws on one nested too deep.
 */
export const describeParseError = (error: ParseResult.ParseError) => {
  let text: string
  try {
    text = ParseResult.TreeFormatter.formatErrorSync(error)
  } catch {
    return { issue: tooDeep, cause: undefined }
  }
  if (text.length <= maxIssueLength) return { issue: text, cause: error }
  const more = text.length - maxIssueLength
  return { issue: `${text.slice(0, maxIssueLength)}… (${more} more characters)`, cause: undefined }
}
