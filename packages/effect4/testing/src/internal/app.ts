/**
 * The one definition of the fake API that both transports serve: logging, faults, latency, auth and
 * the request budget around the routes, and the headers every response carries (`x-request-id`,
 * `openai-processing-ms`, `x-ratelimit-*-requests`).
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { App, Fault, RecordedRequest } from "../FakeContainersApi.js"
import type { BodyStats } from "./body.js"
import { overBudget, type Quota, quotaHeaders, type RequestBudget } from "./budget.js"
import { randomHex } from "./bytes.js"
import { ApiFailure, notFound, toResponse, unauthorized } from "./errors.js"
import { applyToBody, type FaultRegistry, statusResponse } from "./faults.js"
import * as Routes from "./routes.js"
import type { Store } from "./store.js"

/**
 * How the transport breaks a connection for `ResetMidBody`. The real server destroys the socket;
 * without this service (in-process) the response body simply fails.
 *
 * @internal
 */
export class Connection extends Context.Service<
  Connection,
  { readonly reset: Effect.Effect<never, Error> }
>()("@openai-containers/testing/Connection") {}

/** A log entry while its request is in flight. @internal */
export type Entry = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } & BodyStats

/** @internal */
export interface State {
  readonly store: Store
  readonly faults: FaultRegistry
  readonly budget: RequestBudget
  log: Array<Entry>
  readonly apiKey: string | undefined
  readonly latency: Duration.Input | undefined
}

const missingKey =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys."

const authorize = (state: State, header: string | undefined): Effect.Effect<void, ApiFailure> => {
  const match = /^Bearer\s+(\S.*)$/i.exec(header ?? "")
  const token = match?.[1]?.trim()
  if (token === undefined || token === "") return Effect.fail(unauthorized(missingKey, null))
  if (state.apiKey !== undefined && token !== state.apiKey) {
    // The real message echoes part of the key; the fake leaves it out so no test output ever holds one.
    return Effect.fail(
      unauthorized(
        "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
        "invalid_api_key",
      ),
    )
  }
  return Effect.void
}

// Resolved while the app runs: the body stream runs later, outside the app's services.
const bodyEnv = Effect.gen(function* () {
  const connection = yield* Effect.serviceOption(Connection)
  return {
    reset: Option.isSome(connection)
      ? connection.value.reset
      : Effect.fail(new Error("connection reset by the fake Containers API")),
    clock: yield* Clock.Clock,
  }
})

const drain = (request: HttpServerRequest.HttpServerRequest, stats: BodyStats) =>
  Stream.runForEach(request.stream, (chunk) =>
    Effect.sync(() => {
      stats.bodySize += chunk.length
    }),
  ).pipe(Effect.ignore)

/** @internal */
export const make = (state: State, router: Routes.Router): App => {
  // `spent` receives the quota when the request reaches the budget (after auth).
  const serve = (entry: Entry, spent: { quota: Quota | undefined }) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      yield* authorize(state, request.headers.authorization)
      const quota = state.budget.take(yield* Clock.currentTimeMillis)
      spent.quota = quota
      if (quota.retryAfterMillis !== undefined) return yield* overBudget(quota, state.budget.windowMillis)
      return yield* router
    }).pipe(
      Effect.provideService(Routes.CurrentCall, { query: entry.query, stats: entry }),
      Effect.catchTags({
        ApiFailure: (failure) => Effect.succeed(toResponse(failure)),
        HttpServerError: (e) =>
          e.reason._tag === "RouteNotFound"
            ? Effect.succeed(toResponse(notFound(`Invalid URL (${e.reason.request.method} ${entry.path})`)))
            : Effect.fail(e),
      }),
      Effect.catchCause((cause) =>
        Effect.succeed(
          toResponse(
            new ApiFailure({
              status: 500,
              error: {
                message: `The fake Containers API failed: ${Cause.pretty(cause)}`,
                type: "server_error",
                param: null,
                code: null,
              },
            }),
          ),
        ),
      ),
    )

  // `served` is the request processed normally, run (at most once) when the fault allows.
  const respond = (fault: Fault | undefined, entry: Entry, served: App) =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      if (fault === undefined) return yield* served
      switch (fault._tag) {
        case "Status":
          // A real server still receives the body; draining it keeps the log's body size honest.
          yield* drain(request, entry)
          return statusResponse(fault)
        case "Latency":
          yield* Effect.sleep(fault.millis)
          return yield* served
        case "Stall":
          if (fault.afterBytes === undefined) {
            yield* fault.millis === undefined ? Effect.never : Effect.sleep(fault.millis)
          }
          return yield* applyToBody(fault, yield* served, yield* bodyEnv)
        default:
          return yield* applyToBody(fault, yield* served, yield* bodyEnv)
      }
    })

  // Interruptible, though a server runs its handlers uninterruptibly: a latency or a stall must
  // end when the client goes away or the server stops.
  return Effect.interruptible(
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const started = yield* Clock.currentTimeMillis
      const url = new URL(request.url, "http://fake.local")
      const requestId = `req_${randomHex(32)}`
      const fault = state.faults.take(request.method, url.pathname)
      const entry: Entry = {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...request.headers },
        requestId,
        bodySize: 0,
        fileSha256: undefined,
        status: undefined,
        fault: fault?._tag,
      }
      state.log.push(entry)
      if (state.latency !== undefined) yield* Effect.sleep(state.latency)
      const spent: { quota: Quota | undefined } = { quota: undefined }
      const response = yield* respond(fault, entry, serve(entry, spent))
      entry.status = response.status
      const now = yield* Clock.currentTimeMillis
      // A request refused before the budget (no key, an injected status) reports it unspent.
      return withDefaults(response, {
        "x-request-id": requestId,
        "openai-processing-ms": String(Math.max(0, Math.round(now - started))),
        ...quotaHeaders(spent.quota ?? state.budget.peek(now)),
      })
    }),
  )
}

/** Adds the headers the response does not set itself (an injected fault's own headers win). */
const withDefaults = (
  response: HttpServerResponse.HttpServerResponse,
  defaults: Readonly<Record<string, string>>,
): HttpServerResponse.HttpServerResponse => {
  const missing: Record<string, string> = {}
  for (const name in defaults) {
    if (response.headers[name] === undefined) missing[name] = defaults[name]!
  }
  return HttpServerResponse.setHeaders(response, missing)
}
