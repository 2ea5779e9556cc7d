/**
 * The one request pipeline: build the request, send it under the timeout, map statuses and
 * transport failures to tagged errors, decode the body, and retry by the policy.
 */
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { ContainersClient, type ResolvedOptions } from "../ContainersClient.js"
import {
  type ApiErrorObject,
  ConnectionError,
  type ContainersError,
  fromStatus,
  InvalidRequestError,
  ResponseDecodeError,
  TimeoutError,
} from "../ContainersError.js"
import { deadline } from "./deadline.js"
import { idleTimeout } from "./idle.js"
import { decide } from "./retry.js"

/** A request body, and whether it can be built again for a retry. */
export interface Body {
  readonly make: Effect.Effect<HttpBody.HttpBody, ContainersError>
  readonly replayable: boolean
}

/** One call: what to send, and the span to record it in. */
export interface Endpoint {
  readonly span: string
  readonly method: "GET" | "POST" | "DELETE"
  /** Already encoded, starting with `/`: see `path.ts`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | undefined>>
  readonly body?: Body
  readonly accept?: string
  readonly attributes: Readonly<Record<string, string>>
}

const sensitiveHeaders = new Set([
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "proxy-authorization",
])
// HTTP/1.1 field values carry tab, space, visible ASCII and bytes 0x80-0xFF only. CR, LF or NUL
// could split the request; other controls and characters above U+00FF make the transport throw
// (undici: "invalid header"), which would surface as a retried ConnectionError. Refuse them here.
const unsafeHeaderValue = /[^\t\x20-\x7e\x80-\xff]/
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name] = sensitiveHeaders.has(name) ? "<redacted>" : headers[name]!
  return out
}

const requestHeaders = (
  options: ResolvedOptions,
  accept: string,
): Effect.Effect<Record<string, string>, InvalidRequestError> => {
  const headers: Record<string, string> = { accept }
  if (Option.isSome(options.organization)) headers["openai-organization"] = options.organization.value
  if (Option.isSome(options.project)) headers["openai-project"] = options.project.value
  for (const name in options.headers) {
    if (!headerName.test(name)) {
      return Effect.fail(new InvalidRequestError({ message: `Invalid header name ${JSON.stringify(name)}` }))
    }
    headers[name.toLowerCase()] = options.headers[name]!
  }
  for (const name in headers) {
    if (unsafeHeaderValue.test(headers[name]!)) {
      return Effect.fail(
        new InvalidRequestError({
          message: `Header ${name} contains CR, LF, a control character or one above U+00FF`,
        }),
      )
    }
  }
  if (Option.isSome(options.apiKey)) {
    const key = Redacted.value(options.apiKey.value)
    // The message must not quote the key, only say what is wrong with it.
    if (unsafeHeaderValue.test(key) || key.length === 0) {
      return Effect.fail(
        new InvalidRequestError({
          message: "The API key is empty or contains CR, LF, a control character or one above U+00FF",
        }),
      )
    }
    headers.authorization = `Bearer ${key}`
  }
  return Effect.succeed(headers)
}

// URL encoding turns a lone UTF-16 surrogate into U+FFFD: the server would get another value.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const checkQuery = (query: Endpoint["query"]): Effect.Effect<void, InvalidRequestError> => {
  for (const name in query) {
    const value = query[name]
    if (typeof value === "string" && loneSurrogate.test(value)) {
      return Effect.fail(new InvalidRequestError({ message: `Query parameter ${name} is not valid Unicode` }))
    }
  }
  return Effect.void
}

const describeCause = (cause: unknown): string => {
  if (cause instanceof Error) {
    const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
    return `${cause.message}${inner}`
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

const fromPlatformError = (endpoint: Endpoint, error: HttpClientError.HttpClientError): ContainersError => {
  if (error._tag === "RequestError" && error.reason === "InvalidUrl") {
    return new InvalidRequestError({ message: `Invalid URL for ${endpoint.method} ${endpoint.path}` })
  }
  // Keep the underlying cause only: the platform error holds the request and its headers.
  return new ConnectionError({
    method: endpoint.method,
    path: endpoint.path,
    description: `${phase[error.reason]}${describeCause(error.cause ?? error.description)}`,
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

const statusFailure = (endpoint: Endpoint, response: HttpClientResponse.HttpClientResponse) =>
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

/**
 * Replaces the API key wherever a server echoed it back into an error (its message, a header,
 * a body quoted in a decode issue): what the library hands out must never show the key. A
 * decode error's cause is dropped then, since it quotes the body too.
 */
const hideKey = (options: ResolvedOptions, error: ContainersError): ContainersError => {
  if (Option.isNone(options.apiKey) || error._tag === "InvalidRequestError") return error
  const key = Redacted.value(options.apiKey.value)
  const hide = (text: string) => text.split(key).join("<redacted>")
  const fields: Record<string, unknown> = {}
  if ("headers" in error && Object.values(error.headers).some((v) => v.includes(key))) {
    fields.headers = Object.fromEntries(Object.entries(error.headers).map(([k, v]) => [k, hide(v)]))
  }
  if ("error" in error && error.error !== undefined && JSON.stringify(error.error).includes(key)) {
    const { type, message, code, param } = error.error
    fields.error = {
      type: hide(type),
      message: hide(message),
      code: code === null ? null : hide(code),
      param: param === null ? null : hide(param),
    }
  }
  if (error._tag === "ResponseDecodeError" && error.issue.includes(key)) {
    fields.issue = hide(error.issue)
    fields.cause = undefined
  }
  if (Object.keys(fields).length === 0) return error
  // Rebuild the same class with the scrubbed fields; every error class takes its fields object.
  const Rebuild = error.constructor as new (fields: typeof error) => typeof error
  return new Rebuild(Object.assign({}, error, fields))
}

/**
 * Sends once: the response, with its status checked, then `read` under the same timeout.
 */
const attempt = <A>(
  endpoint: Endpoint,
  read: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, ContainersError>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  Effect.flatMap(ContainersClient, ({ httpClient, options }) =>
    Effect.gen(function* () {
      const headers = yield* requestHeaders(options, endpoint.accept ?? "application/json")
      yield* checkQuery(endpoint.query)
      const body = endpoint.body === undefined ? undefined : yield* endpoint.body.make
      const request = HttpClientRequest.make(endpoint.method)(options.baseUrl + endpoint.path, {
        headers,
        ...(endpoint.query === undefined ? {} : { urlParams: endpoint.query }),
        ...(body === undefined ? {} : { body }),
      })
      const response = yield* httpClient.execute(request).pipe(
        Effect.locally(HttpClient.currentTracerPropagation, options.tracePropagation),
        Effect.mapError((error) => fromPlatformError(endpoint, error)),
      )
      if (response.status < 200 || response.status >= 300) return yield* statusFailure(endpoint, response)
      return yield* read(response)
    }).pipe(
      Effect.mapError((error) => hideKey(options, error)),
      (self) =>
        deadline(
          self,
          options.timeout,
          () =>
            new TimeoutError({
              method: endpoint.method,
              path: endpoint.path,
              timeout: options.timeout,
              phase: "response",
            }),
        ),
    ),
  )

const withNote = (error: ContainersError, note: string | undefined): ContainersError => {
  if (note === undefined || error._tag === "InvalidRequestError") return error
  // Rebuild the same class with one more field; every error class takes its fields object.
  const Rebuild = error.constructor as new (fields: typeof error) => typeof error
  return new Rebuild(Object.assign({}, error, { notRetried: note }))
}

/**
 * Runs `once` and retries it by the policy. The schedule's state is threaded through so a
 * user's schedule sees each retry in turn.
 */
const retrying = <A>(
  endpoint: Endpoint,
  once: Effect.Effect<A, ContainersError, ContainersClient>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  Effect.flatMap(ContainersClient, ({ options }) => {
    const replayable = endpoint.body?.replayable ?? true
    const loop = (retries: number, state: unknown): Effect.Effect<A, ContainersError, ContainersClient> =>
      Effect.catchAll(once, (error) =>
        Effect.flatMap(decide(options, error, retries, state, replayable), (decision) =>
          decision._tag === "Fail"
            ? Effect.fail(withNote(error, decision.note))
            : Effect.zipRight(Effect.sleep(decision.waitMillis), loop(retries + 1, decision.state)),
        ),
      )
    return loop(0, undefined)
  })

/** The longest parse issue quoted in a `ResponseDecodeError`: a hostile body must not make a huge message. */
const maxIssueLength = 2_000

/**
 * The parse issue in words, bounded. The `ParseError` itself is kept as the cause only when it
 * prints in full: formatting it pastes the offending value (20 MB of it, say) or, for a value
 * nested deeper than the stack, throws a RangeError from `message`, `toString` and `stack`.
 */
const describeParseError = (
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

const readJson =
  <A, I>(endpoint: Endpoint, schema: Schema.Schema<A, I>) =>
  (response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, ContainersError> => {
    const decodeError = (reason: "MalformedJson" | "SchemaMismatch", issue: string, cause: unknown) =>
      new ResponseDecodeError({
        method: endpoint.method,
        path: endpoint.path,
        status: response.status,
        requestId: response.headers["x-request-id"],
        reason,
        issue,
        cause,
      })
    return response.text.pipe(
      Effect.mapError((error) => fromPlatformError(endpoint, error)),
      Effect.flatMap((text) =>
        Effect.try({
          try: (): unknown => JSON.parse(text),
          catch: (cause) => decodeError("MalformedJson", `not JSON: ${describeCause(cause)}`, cause),
        }),
      ),
      Effect.flatMap((json) =>
        Schema.decodeUnknown(schema)(json).pipe(
          Effect.mapError((error) => {
            const { issue, cause } = describeParseError(error)
            return decodeError("SchemaMismatch", issue, cause)
          }),
        ),
      ),
    )
  }

// No stack trace per span: capturing one cost about 7% of a retrieve's client CPU.
const traced = (endpoint: Endpoint) => ({
  kind: "client" as const,
  attributes: endpoint.attributes,
  captureStackTrace: false,
})

/**
 * Sends the endpoint and decodes its JSON body with `schema`, retrying by the policy.
 */
export const json = <A, I>(
  endpoint: Endpoint,
  schema: Schema.Schema<A, I>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  retrying(endpoint, attempt(endpoint, readJson(endpoint, schema))).pipe(
    Effect.withSpan(endpoint.span, traced(endpoint)),
  )

/** What a content response says about its body before the bytes arrive. */
export interface ResponseInfo {
  readonly contentLength: number | undefined
  readonly contentType: string | undefined
}

const responseInfo = (response: HttpClientResponse.HttpClientResponse): ResponseInfo => {
  const length = response.headers["content-length"]
  return {
    contentLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
    contentType: response.headers["content-type"],
  }
}

/**
 * Sends the endpoint and streams its body. The wait for headers is retried by the policy;
 * once bytes flow, a gap longer than the timeout fails with an idle `TimeoutError`.
 * `onResponse` runs once, with the successful attempt's headers, before the first byte.
 */
export const bytes = (
  endpoint: Endpoint,
  onResponse: (info: ResponseInfo) => Effect.Effect<void> = () => Effect.void,
): Stream.Stream<Uint8Array, ContainersError, ContainersClient> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const { options } = yield* ContainersClient
      // The span lasts as long as the stream, but only the request runs under it: with
      // Stream.withSpan every body chunk's pull switched the fiber's context (~8% of a download).
      const span = yield* Effect.makeSpanScoped(endpoint.span, traced(endpoint))
      const response = yield* retrying(endpoint, attempt(endpoint, Effect.succeed)).pipe(
        Effect.tap((response) => onResponse(responseInfo(response))),
        Effect.withParentSpan(span),
      )
      return idleTimeout(
        Stream.mapError(response.stream, (error) => fromPlatformError(endpoint, error)),
        options.timeout,
        () =>
          new TimeoutError({
            method: endpoint.method,
            path: endpoint.path,
            timeout: options.timeout,
            phase: "idle",
          }),
      )
    }),
  )
