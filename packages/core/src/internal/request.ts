/**
 * The one request pipeline: build, send under the timeout, map failures to errors, decode, retry.
 */
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ContentOptions } from "../ContainerFiles.js"
import { ContainersClient, type ResolvedOptions } from "../ContainersClient.js"
import { type ContainersError, ResponseDecodeError, TimeoutError } from "../ContainersError.js"
import {
  describeCause,
  describeParseError,
  echoesSecret,
  fromPlatformError,
  hideKey,
  redactHeaders,
  scrubHeaders,
  statusFailure,
} from "./failures.js"
import { idleTimeout } from "./idle.js"
import { checkQuery } from "./input.js"
import { currentResponseSink } from "./metadata.js"
import { retrying } from "./retry.js"

/** A request body, and whether it can be built again for a retry. */
export interface Body {
  readonly make: Effect.Effect<HttpBody.HttpBody, ContainersError>
  readonly replayable: boolean
}

/** A JSON request body, replayable. */
export const jsonBody = (value: unknown): Body => ({
  replayable: true,
  make: Effect.succeed(HttpBody.unsafeJson(value)),
})

/** One call: what to send, and the span to record it in. */
export interface Endpoint {
  readonly span: string
  readonly method: "GET" | "POST" | "DELETE"
  /** Already encoded, starting with `/`: see `encodeId` in `input.ts`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | undefined>>
  readonly body?: Body
  readonly accept?: string
  readonly attributes?: Readonly<Record<string, string>>
}

const timeoutError = (endpoint: Endpoint, timeout: Duration.Duration, phase: TimeoutError["phase"]) =>
  new TimeoutError({ method: endpoint.method, path: endpoint.path, timeout, phase })

type Read<A> = (
  response: HttpClientResponse.HttpClientResponse,
  options: ResolvedOptions,
) => Effect.Effect<A, ContainersError>

/** Sends the endpoint and `read`s its 2xx response, each attempt under the timeout, retrying. */
const send = <A>(endpoint: Endpoint, read: Read<A>): Effect.Effect<A, ContainersError, ContainersClient> =>
  Effect.flatMap(ContainersClient, ({ httpClient, options, invalid }) => {
    if (invalid._tag === "Some") return Effect.fail(invalid.value)
    const once = Effect.gen(function* () {
      yield* checkQuery(endpoint.query)
      let request = HttpClientRequest.make(endpoint.method)(endpoint.path, {
        headers: { accept: endpoint.accept ?? "application/json" },
        urlParams: endpoint.query ?? {},
      })
      if (endpoint.body !== undefined) request = HttpClientRequest.setBody(request, yield* endpoint.body.make)
      const span = Option.getOrUndefined(yield* Effect.option(Effect.currentSpan))
      // The platform's own switch (HttpClient.withTracerPropagation) is honoured too.
      const propagate = options.tracePropagation && (yield* FiberRef.get(HttpClient.currentTracerPropagation))
      const traced =
        span && propagate ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span)) : request
      const response = yield* Effect.mapError(httpClient.execute(traced), fromPlatformError(endpoint))
      span?.attribute("http.response.status_code", response.status)
      if (response.status < 200 || response.status >= 300) return yield* statusFailure(endpoint, response)
      const sink = yield* FiberRef.get(currentResponseSink)
      if (sink !== undefined) {
        const headers = scrubHeaders(options, redactHeaders(response.headers))
        sink({ status: response.status, requestId: headers["x-request-id"], headers })
      }
      return yield* read(response, options)
    }).pipe(
      Effect.mapError((error) => hideKey(options, error)),
      Effect.timeoutFail({
        duration: options.timeout,
        onTimeout: () => timeoutError(endpoint, options.timeout, "response"),
      }),
    )
    return retrying(options, once, endpoint.body?.replayable ?? true)
  })

/** A 2xx JSON body, parsed but not yet checked against its schema. */
export interface Parsed<A> {
  /** The body as `JSON.parse` returned it. */
  readonly raw: unknown
  /** The schema check: the decoded value, or a `ResponseDecodeError` naming the mismatch. */
  readonly decode: Effect.Effect<A, ContainersError>
}

const readParsed =
  <A, I>(endpoint: Endpoint, schema: Schema.Schema<A, I>): Read<Parsed<A>> =>
  (response, options) => {
    const decodeError = (reason: ResponseDecodeError["reason"], issue: string, cause?: unknown) =>
      new ResponseDecodeError({
        method: endpoint.method,
        path: endpoint.path,
        status: response.status,
        requestId: response.headers["x-request-id"],
        reason,
        issue,
        cause,
      })
    const decode = Schema.decodeUnknown(schema)
    return Effect.flatMap(Effect.mapError(response.text, fromPlatformError(endpoint)), (text) => {
      let raw: unknown
      try {
        raw = JSON.parse(text)
      } catch (cause) {
        // The parser quotes a few characters of the body, which can be part of an echoed key.
        return Effect.fail(
          echoesSecret(options, text)
            ? decodeError("MalformedJson", "not JSON (the body echoes the API key, so it is not quoted)")
            : decodeError("MalformedJson", `not JSON: ${describeCause(cause)}`, cause),
        )
      }
      // Suspended: pagination checks on the consumer's side. Outside the attempt's scrubbing, so
      // the parse error (which holds the body's values) is dropped if the body has the key.
      const checked = Effect.mapError(
        Effect.suspend(() => decode(raw)),
        (error) => {
          const { issue, cause } = describeParseError(error)
          const kept = echoesSecret(options, text) ? undefined : cause
          return hideKey(options, decodeError("SchemaMismatch", issue, kept))
        },
      )
      return Effect.succeed({ raw, decode: checked })
    })
  }

// No stack trace per span: capturing one cost about 7% of a retrieve's client CPU.
const spanOptions = (endpoint: Endpoint) => ({
  kind: "client" as const,
  attributes: { ...endpoint.attributes, "http.request.method": endpoint.method },
  captureStackTrace: false,
})

/** Like {@link json}, but leaves the schema check to the caller: pagination reads the cursor from `raw`. */
export const parsed = <A, I>(
  endpoint: Endpoint,
  schema: Schema.Schema<A, I>,
): Effect.Effect<Parsed<A>, ContainersError, ContainersClient> =>
  Effect.withSpan(send(endpoint, readParsed(endpoint, schema)), endpoint.span, spanOptions(endpoint))

/** Sends the endpoint and decodes its JSON body with `schema`, retrying by the policy. */
export const json = <A, I>(
  endpoint: Endpoint,
  schema: Schema.Schema<A, I>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  Effect.withSpan(
    Effect.flatMap(send(endpoint, readParsed(endpoint, schema)), (parsed) => parsed.decode),
    endpoint.span,
    spanOptions(endpoint),
  )

/** Sends the endpoint and streams its body, failing on a gap longer than the timeout or past `deadline`. */
export const bytes = (
  content: Endpoint,
  { onResponse = () => Effect.void, deadline }: ContentOptions,
): Stream.Stream<Uint8Array, ContainersError, ContainersClient> => {
  const endpoint: Endpoint = { accept: "application/binary", ...content }
  const body = Stream.unwrapScoped(
    Effect.gen(function* () {
      const { options } = yield* ContainersClient
      // Only the request runs under the span: Stream.withSpan switched context per chunk (~8%).
      const span = yield* Effect.makeSpanScoped(endpoint.span, spanOptions(endpoint))
      const response = yield* send(endpoint, Effect.succeed).pipe(
        Effect.tap(({ headers }) => {
          const length = headers["content-length"]
          const contentLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined
          return onResponse({ contentLength, contentType: headers["content-type"] })
        }),
        Effect.withParentSpan(span),
      )
      return idleTimeout(Stream.mapError(response.stream, fromPlatformError(endpoint)), options.timeout, () =>
        timeoutError(endpoint, options.timeout, "idle"),
      )
    }),
  )
  const limit = deadline === undefined ? Duration.infinity : Duration.decode(deadline)
  if (!Duration.isFinite(limit)) return body
  // Interrupts the body (aborting its request) once the deadline passes, on the Effect Clock.
  const expired = Effect.fail(timeoutError(endpoint, limit, "deadline"))
  return Stream.interruptWhen(body, Effect.zipRight(Effect.sleep(limit), expired))
}
