/**
 * From what went wrong to the library's errors: error statuses with the API's error object,
 * schema issues in words; and the two rewrites every returned error may get (the key scrubbed
 * out, a note saying why it was not retried). The mapping of `effect/http`'s own errors lives
 * with the request pipeline.
 */
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import {
  type ApiErrorObject,
  type ContainersError,
  fromStatus,
  type StatusError,
} from "../ContainersError.js"

/** What an error says about the call it came from. */
export interface Call {
  readonly method: string
  /** The path below the base URL, already encoded. */
  readonly path: string
}

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

/** A transport failure's cause in one line, with the cause's own cause when it has one. */
export const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
    return `${cause.message}${inner}`
  }
  return String(cause)
}

/** The `error` object of an error body, if the body is JSON and has one. */
export const parseApiError = (text: string): ApiErrorObject | undefined => {
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

/** The error for a non-2xx response, from its status, headers and body text. */
export const statusError = (
  call: Call,
  status: number,
  headers: Readonly<Record<string, string>>,
  body: string,
): StatusError =>
  fromStatus({
    method: call.method,
    path: call.path,
    status,
    requestId: headers["x-request-id"],
    error: parseApiError(body),
    headers: redactHeaders(headers),
  })

/** What `hideKey` and the checks below read: the key, and the headers sent on every request. */
export interface SecretSources {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly headers: Readonly<Record<string, string>>
}

/** The secrets a server could echo: the API key, and a bearer token given as a header. */
const secretsOf = (options: SecretSources): ReadonlyArray<string> => {
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

const hideIn = (secrets: ReadonlyArray<string>, text: string): string =>
  secrets.reduce((out, secret) => out.split(secret).join("<redacted>"), text)

/** Headers with the key (and a configured bearer token) replaced wherever a server echoed it. */
export const scrubHeaders = (
  options: SecretSources,
  headers: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> => {
  const secrets = secretsOf(options)
  if (secrets.length === 0 || !Object.values(headers).some((v) => secrets.some((s) => v.includes(s)))) {
    return headers
  }
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, hideIn(secrets, v)]))
}

/** Whether `text` (a body, say) contains the key or a configured bearer token. */
export const echoesSecret = (options: SecretSources, text: string): boolean =>
  secretsOf(options).some((secret) => text.includes(secret))

/**
 * Replaces the API key (and a bearer token given as an `authorization` header option)
 * wherever a server echoed it back into an error: the request id, the API's error object, a
 * header, a decode issue, a transport's description. What the library hands out must never
 * show the key. A cause that quotes it is dropped, and so is a decode error's cause once its
 * issue needed scrubbing.
 */
export const hideKey = (options: SecretSources, error: ContainersError): ContainersError => {
  if (error._tag === "InvalidRequestError") return error
  const secrets = secretsOf(options)
  if (secrets.length === 0) return error
  const has = (text: string | undefined | null) =>
    typeof text === "string" && secrets.some((secret) => text.includes(secret))
  const hide = (text: string) => hideIn(secrets, text)
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

/** The error with a note saying why it was not retried. */
export const withNote = (error: ContainersError, note: string | undefined): ContainersError =>
  note === undefined || error._tag === "InvalidRequestError" ? error : rebuild(error, { notRetried: note })

/**
 * The same error class with some fields replaced; every error class takes its fields object.
 * A `cause` is the native Error cause, not enumerable, so a spread alone would lose it.
 */
const rebuild = (error: ContainersError, fields: Record<string, unknown>): ContainersError => {
  const Rebuild = error.constructor as new (fields: typeof error) => typeof error
  const cause = "cause" in error ? { cause: error.cause } : {}
  return new Rebuild(Object.assign({}, error, cause, fields))
}

/**
 * A schema issue in words, for a `ResponseDecodeError`, with the `SchemaError` as its cause.
 * Effect 4 keeps no input in an issue unless asked (`reportInput`), so neither the text nor the
 * cause quotes the body.
 */
export const describeSchemaError = (
  error: Schema.SchemaError,
): { readonly issue: string; readonly cause: Schema.SchemaError } => ({ issue: error.message, cause: error })
