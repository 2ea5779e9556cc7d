/**
 * The one request pipeline: build the request, send it under the timeout, map statuses and
 * transport failures to tagged errors, decode the body, and retry by the policy.
 */
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
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
  withNote,
} from "./failures.js"
import { idleTimeout } from "./idle.js"
import { checkQuery } from "./input.js"
import { currentResponseSink } from "./metadata.js"
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
  /** Already encoded, starting with `/`: see `encodeId` in `input.ts`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | number | undefined>>
  readonly body?: Body
  readonly accept?: string
  readonly attributes: Readonly<Record<string, string>>
}

const timeoutError =
  (endpoint: Endpoint, timeout: Duration.Duration, phase: "response" | "idle" | "deadline") => () =>
    new TimeoutError({ method: endpoint.method, path: endpoint.path, timeout, phase })

const report = (options: ResolvedOptions, response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(FiberRef.get(currentResponseSink), (sink) => {
    if (sink !== undefined) {
      const headers = scrubHeaders(options, redactHeaders(response.headers))
      sink({ status: response.status, requestId: headers["x-request-id"], headers })
    }
    return Effect.void
  })

/**
 * Sends once: the response, with its status checked, then `read`, all under the timeout.
 */
const attempt = <A>(
  endpoint: Endpoint,
  read: (
    response: HttpClientResponse.HttpClientResponse,
    options: ResolvedOptions,
  ) => Effect.Effect<A, ContainersError>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  Effect.flatMap(ContainersClient, ({ httpClient, options }) =>
    Effect.gen(function* () {
      yield* checkQuery(endpoint.query)
      const body = endpoint.body === undefined ? undefined : yield* endpoint.body.make
      const request = HttpClientRequest.make(endpoint.method)(endpoint.path, {
        headers: { accept: endpoint.accept ?? "application/json" },
        ...(endpoint.query === undefined ? {} : { urlParams: endpoint.query }),
        ...(body === undefined ? {} : { body }),
      })
      const span = yield* Effect.option(Effect.currentSpan)
      if (span._tag === "Some") span.value.attribute("http.request.method", endpoint.method)
      // The platform's own switch (HttpClient.withTracerPropagation) is honoured too.
      const propagate = options.tracePropagation && (yield* FiberRef.get(HttpClient.currentTracerPropagation))
      const response = yield* httpClient
        .execute(
          span._tag === "Some" && propagate
            ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span.value))
            : request,
        )
        .pipe(Effect.mapError((error) => fromPlatformError(endpoint, error)))
      if (span._tag === "Some") span.value.attribute("http.response.status_code", response.status)
      if (response.status < 200 || response.status >= 300) return yield* statusFailure(endpoint, response)
      yield* report(options, response)
      return yield* read(response, options)
    }).pipe(
      Effect.mapError((error) => hideKey(options, error)),
      Effect.timeoutFail({
        duration: options.timeout,
        onTimeout: timeoutError(endpoint, options.timeout, "response"),
      }),
    ),
  )

/**
 * Checks the options, then runs `once` and retries it by the policy. The schedule's state is
 * threaded through so a user's schedule sees each retry in turn.
 */
const retrying = <A>(
  endpoint: Endpoint,
  once: Effect.Effect<A, ContainersError, ContainersClient>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  Effect.flatMap(ContainersClient, ({ options, invalid }) => {
    if (invalid._tag === "Some") return Effect.fail(invalid.value)
    const replayable = endpoint.body?.replayable ?? true
    const loop = (retries: number, state: unknown): Effect.Effect<A, ContainersError, ContainersClient> =>
      Effect.catchAll(once, (error) =>
        Effect.flatMap(decide(options, error, retries, state, replayable), (decision) =>
          decision._tag === "Fail"
            ? Effect.fail(withNote(error, decision.note))
            : Effect.annotateCurrentSpan("http.request.resend_count", retries + 1).pipe(
                Effect.zipRight(Effect.sleep(decision.waitMillis)),
                Effect.zipRight(loop(retries + 1, decision.state)),
              ),
        ),
      )
    return loop(0, undefined)
  })

/** A 2xx JSON body, parsed but not yet checked against its schema. */
export interface Parsed<A> {
  /** The body as `JSON.parse` returned it. */
  readonly raw: unknown
  /** The schema check: the decoded value, or a `ResponseDecodeError` naming the mismatch. */
  readonly decode: Effect.Effect<A, ContainersError>
}

const readParsed =
  <A, I>(endpoint: Endpoint, schema: Schema.Schema<A, I>) =>
  (
    response: HttpClientResponse.HttpClientResponse,
    options: ResolvedOptions,
  ): Effect.Effect<Parsed<A>, ContainersError> => {
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
    const decode = Schema.decodeUnknown(schema)
    return response.text.pipe(
      Effect.mapError((error) => fromPlatformError(endpoint, error)),
      Effect.flatMap((text) =>
        Effect.try({
          try: () => ({ text, raw: JSON.parse(text) as unknown }),
          catch: (cause) =>
            // The parser quotes a few characters of the body, which can be part of an echoed key.
            echoesSecret(options, text)
              ? decodeError(
                  "MalformedJson",
                  "not JSON (the body echoes the API key, so it is not quoted)",
                  undefined,
                )
              : decodeError("MalformedJson", `not JSON: ${describeCause(cause)}`, cause),
        }),
      ),
      Effect.map(({ text, raw }) => ({
        raw,
        // Suspended: pagination runs the check on the consumer's side, after the next request.
        decode: Effect.suspend(() => decode(raw)).pipe(
          // Runs after the attempt, outside its key scrubbing: a body may echo the key. The
          // parse error holds the body's values, so it is dropped if the body has the key.
          Effect.mapError((error) => {
            const { issue, cause } = describeParseError(error)
            const kept = echoesSecret(options, text) ? undefined : cause
            return hideKey(options, decodeError("SchemaMismatch", issue, kept))
          }),
        ),
      })),
    )
  }

const sendParsed = <A, I>(endpoint: Endpoint, schema: Schema.Schema<A, I>) =>
  retrying(endpoint, attempt(endpoint, readParsed(endpoint, schema)))

// No stack trace per span: capturing one cost about 7% of a retrieve's client CPU.
const traced = (endpoint: Endpoint) => ({
  kind: "client" as const,
  attributes: endpoint.attributes,
  captureStackTrace: false,
})

/**
 * Sends the endpoint and decodes its JSON body with `schema`, retrying by the policy. A body
 * that is not JSON is retried on a GET; one that does not match the schema is not.
 */
export const json = <A, I>(
  endpoint: Endpoint,
  schema: Schema.Schema<A, I>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  sendParsed(endpoint, schema).pipe(
    Effect.flatMap((parsed) => parsed.decode),
    Effect.withSpan(endpoint.span, traced(endpoint)),
  )

/**
 * Like {@link json}, but returns the body parsed and leaves the schema check to the caller:
 * pagination reads the cursor from `raw` and asks for the next page while this one decodes.
 */
export const parsed = <A, I>(
  endpoint: Endpoint,
  schema: Schema.Schema<A, I>,
): Effect.Effect<Parsed<A>, ContainersError, ContainersClient> =>
  sendParsed(endpoint, schema).pipe(Effect.withSpan(endpoint.span, traced(endpoint)))

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
 * once bytes flow, a gap longer than the timeout fails with an idle `TimeoutError`, and the
 * whole stream (request included) longer than `deadline`, if given, with a deadline one.
 * `onResponse` runs once, with the successful attempt's headers, before the first byte.
 */
export const bytes = (
  endpoint: Endpoint,
  onResponse: (info: ResponseInfo) => Effect.Effect<void> = () => Effect.void,
  deadline?: Duration.Duration,
): Stream.Stream<Uint8Array, ContainersError, ContainersClient> => {
  const body = Stream.unwrapScoped(
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
        timeoutError(endpoint, options.timeout, "idle"),
      )
    }),
  )
  if (deadline === undefined || !Duration.isFinite(deadline)) return body
  // Interrupts the body (aborting its request) once the deadline passes, on the Effect Clock.
  return Stream.interruptWhen(
    body,
    Effect.zipRight(Effect.sleep(deadline), Effect.fail(timeoutError(endpoint, deadline, "deadline")())),
  )
}
