/**
 * The one request pipeline: build the request, send it under the timeout, map statuses and
 * transport failures to tagged errors, decode the body, and retry by the policy.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as HttpTraceContext from "effect/http/HttpTraceContext"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ContentInfo } from "../ContainerFiles.js"
import { ContainersClient, type ResolvedOptions } from "../ContainersClient.js"
import {
  ConnectionError,
  type ContainersError,
  InvalidRequestError,
  ResponseDecodeError,
  TimeoutError,
} from "../ContainersError.js"
import {
  describeCause,
  describeSchemaError,
  echoesSecret,
  hideKey,
  redactHeaders,
  scrubHeaders,
  statusError,
  withNote,
} from "./failures.js"
import { idleTimeout } from "./idle.js"
import { checkQuery } from "./input.js"
import { ResponseSink } from "./metadata.js"
import type { Body } from "./multipart.js"
import { makeDecide } from "./retry.js"

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

const phase: Record<HttpClientError.HttpClientErrorReason["_tag"], string> = {
  TransportError: "",
  EncodeError: "sending the request body: ",
  DecodeError: "reading the response body: ",
  EmptyBodyError: "reading the response body: ",
  StatusCodeError: "",
  InvalidUrlError: "",
}

/** `effect/http`'s own failures as the library's: every one a transport failure but a bad URL. */
const fromHttpClientError = (endpoint: Endpoint, error: HttpClientError.HttpClientError): ContainersError => {
  const reason = error.reason
  if (reason._tag === "InvalidUrlError") {
    return new InvalidRequestError({ message: `Invalid URL for ${endpoint.method} ${endpoint.path}` })
  }
  // Keep the underlying cause only: the platform error holds the request and its headers.
  return new ConnectionError({
    method: endpoint.method,
    path: endpoint.path,
    // A response-side reason (decode, empty body) means the response had come.
    phase: "response" in reason ? "body" : "request",
    description: `${phase[reason._tag]}${describeCause(reason.cause ?? reason.description ?? reason.message)}`,
    cause: reason.cause,
  })
}

/** The error for a non-2xx response, with the API's error object read from its body. */
const statusFailure = (endpoint: Endpoint, response: HttpClientResponse.HttpClientResponse) =>
  response.text.pipe(
    Effect.orElseSucceed(() => ""),
    Effect.flatMap((text) => Effect.fail(statusError(endpoint, response.status, response.headers, text))),
  )

const timeoutError = (
  endpoint: Endpoint,
  timeout: Duration.Duration,
  phase: "response" | "idle" | "deadline",
) => new TimeoutError({ method: endpoint.method, path: endpoint.path, timeout, phase })

/** Tells `ContainersClient.withResponse`, if the call runs under one, what a 2xx response said. */
const report = (options: ResolvedOptions, response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(ResponseSink, (sink) => {
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
      if (Option.isSome(span)) span.value.attribute("http.request.method", endpoint.method)
      const propagate =
        Option.isSome(span) && options.tracePropagation && (yield* HttpClient.TracerPropagationEnabled)
      const response = yield* httpClient
        .execute(
          propagate ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span.value)) : request,
        )
        .pipe(Effect.mapError((error) => fromHttpClientError(endpoint, error)))
      if (Option.isSome(span)) span.value.attribute("http.response.status_code", response.status)
      if (response.status < 200 || response.status >= 300) return yield* statusFailure(endpoint, response)
      yield* report(options, response)
      return yield* read(response, options)
    }).pipe(
      Effect.mapError((error) => hideKey(options, error)),
      Effect.timeoutOrElse({
        duration: options.timeout,
        orElse: () => Effect.fail(timeoutError(endpoint, options.timeout, "response")),
      }),
    ),
  )

/**
 * Checks the options, then runs `once` and retries it by the policy. Each call steps its own
 * copy of the retry schedule, so a user's schedule sees that call's retries in turn.
 */
const retrying = <A>(
  endpoint: Endpoint,
  once: Effect.Effect<A, ContainersError, ContainersClient>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  Effect.flatMap(ContainersClient, ({ options, invalid }) => {
    if (Option.isSome(invalid)) return Effect.fail(invalid.value)
    const replayable = endpoint.body?.replayable ?? true
    return Effect.flatMap(makeDecide(options), (decide) => {
      const loop = (retries: number): Effect.Effect<A, ContainersError, ContainersClient> =>
        Effect.catch(once, (error) =>
          Effect.flatMap(decide(error, retries, replayable), (decision) =>
            decision._tag === "Fail"
              ? Effect.fail(withNote(error, decision.note))
              : Effect.annotateCurrentSpan("http.request.resend_count", retries + 1).pipe(
                  Effect.andThen(Effect.sleep(decision.waitMillis)),
                  Effect.andThen(loop(retries + 1)),
                ),
          ),
        )
      return loop(0)
    })
  })

/** A 2xx JSON body, parsed but not yet checked against its schema. */
export interface Parsed<A> {
  /** The body as `JSON.parse` returned it. */
  readonly raw: unknown
  /** The schema check: the decoded value, or a `ResponseDecodeError` naming the mismatch. */
  readonly decode: Effect.Effect<A, ContainersError>
}

const readParsed = <A>(endpoint: Endpoint, schema: Schema.Decoder<A>) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (
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
    return response.text.pipe(
      Effect.mapError((error) => fromHttpClientError(endpoint, error)),
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
          // schema error's issues hold the body's values, so it is dropped if the body has the key.
          Effect.mapError((error) => {
            const { issue, cause } = describeSchemaError(error)
            const kept = echoesSecret(options, text) ? undefined : cause
            return hideKey(options, decodeError("SchemaMismatch", issue, kept))
          }),
        ),
      })),
    )
  }
}

const sendParsed = <A>(endpoint: Endpoint, schema: Schema.Decoder<A>) =>
  retrying(endpoint, attempt(endpoint, readParsed(endpoint, schema)))

const spanOptions = (endpoint: Endpoint) => ({ kind: "client" as const, attributes: endpoint.attributes })

// No stack trace per span: capturing one cost about 7% of a retrieve's client CPU (1.x figure).
const traceOptions = { captureStackTrace: false }

/**
 * Sends the endpoint and decodes its JSON body with `schema`, retrying by the policy. A body
 * that is not JSON is retried on a GET; one that does not match the schema is not.
 */
export const json = <A>(
  endpoint: Endpoint,
  schema: Schema.Decoder<A>,
): Effect.Effect<A, ContainersError, ContainersClient> =>
  sendParsed(endpoint, schema).pipe(
    Effect.flatMap((parsed) => parsed.decode),
    Effect.withSpan(endpoint.span, spanOptions(endpoint), traceOptions),
  )

/**
 * Like {@link json}, but returns the body parsed and leaves the schema check to the caller:
 * pagination reads the cursor from `raw` and asks for the next page while this one decodes.
 */
export const parsed = <A>(
  endpoint: Endpoint,
  schema: Schema.Decoder<A>,
): Effect.Effect<Parsed<A>, ContainersError, ContainersClient> =>
  sendParsed(endpoint, schema).pipe(Effect.withSpan(endpoint.span, spanOptions(endpoint), traceOptions))

/** What a content response says about its body before the bytes arrive. */
export type ResponseInfo = ContentInfo

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
  const body = Stream.unwrap(
    Effect.gen(function* () {
      const { options } = yield* ContainersClient
      // The span lasts as long as the stream, but only the request runs under it, not each
      // chunk's pull.
      const span = yield* Effect.makeSpanScoped(endpoint.span, spanOptions(endpoint))
      const response = yield* retrying(
        endpoint,
        attempt(endpoint, (response) => Effect.succeed(response)),
      ).pipe(
        Effect.tap((response) => onResponse(responseInfo(response))),
        Effect.withParentSpan(span, traceOptions),
      )
      return idleTimeout(
        Stream.mapError(response.stream, (error) => fromHttpClientError(endpoint, error)),
        options.timeout,
        () => timeoutError(endpoint, options.timeout, "idle"),
      )
    }),
  )
  if (deadline === undefined || !Duration.isFinite(deadline)) return body
  // Interrupts the body (aborting its request) once the deadline passes, on the Effect Clock.
  return Stream.interruptWhen(
    body,
    Effect.andThen(
      Effect.sleep(deadline),
      Effect.failSync(() => timeoutError(endpoint, deadline, "deadline")),
    ),
  )
}
