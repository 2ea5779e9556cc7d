import { inspect } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import { ContainerFiles, ContainersClient, ContainersError } from "../src/index.js"
import * as Stub from "./stub.js"

const apiError = {
  message: "Something is off",
  type: "invalid_request_error",
  param: "limit",
  code: "bad_limit",
}

describe("ContainersError", () => {
  const statuses: ReadonlyArray<[number, string]> = [
    [400, "BadRequestError"],
    [401, "AuthenticationError"],
    [403, "PermissionDeniedError"],
    [404, "NotFoundError"],
    [409, "ConflictError"],
    [422, "UnprocessableEntityError"],
    [429, "RateLimitError"],
    [500, "InternalServerError"],
    [503, "InternalServerError"],
    [418, "ApiError"],
  ]
  for (const [status, tag] of statuses) {
    it.effect(`${status} is a ${tag} with status, request id, error object and headers`, () => {
      const stub = Stub.layer(
        () => Stub.json({ error: apiError }, status, { "x-request-id": "req_abc", "set-cookie": "s=1" }),
        {
          maxRetries: 0,
        },
      )
      return Effect.gen(function* () {
        const error = yield* Effect.flip(ContainerFiles.retrieve("cntr_1", "cfile_1"))
        expect(error._tag).toBe(tag)
        expect(ContainersError.isContainersError(error)).toBe(true)
        expect(error).toMatchObject({
          status,
          requestId: "req_abc",
          error: apiError,
          method: "GET",
          path: "/containers/cntr_1/files/cfile_1",
        })
        expect(error.message).toBe(
          `${status} Something is off (GET /containers/cntr_1/files/cfile_1) [request req_abc]`,
        )
        expect("headers" in error && error.headers["set-cookie"]).toBe("<redacted>")
        expect("headers" in error && error.headers["x-request-id"]).toBe("req_abc")
      }).pipe(Effect.provide(stub.layer))
    })
  }

  it.effect("catchTag matches each error", () => {
    const stub = Stub.layer(() => Stub.json({ error: apiError }, 404))
    return Effect.gen(function* () {
      const result = yield* ContainerFiles.retrieve("c", "f").pipe(
        Effect.as("found"),
        Effect.catchTag("NotFoundError", (e) => Effect.succeed(`missing ${e.status}`)),
      )
      expect(result).toBe("missing 404")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a non-JSON error body still gives the status error, without an error object", () => {
    const stub = Stub.layer(() => ({ raw: "<html>Bad Gateway</html>", status: 502 }), { maxRetries: 0 })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error).toMatchObject({ _tag: "InternalServerError", status: 502, error: undefined })
      expect(error.message).toBe("502 Internal server error (GET /containers/c/files/f) [request req_1]")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a body missing a required field is a ResponseDecodeError, not retried", () => {
    const { bytes: _, ...partial } = Stub.file("cfile_1")
    const stub = Stub.layer(() => Stub.json(partial, 200, { "x-request-id": "req_9" }))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error).toMatchObject({
        _tag: "ResponseDecodeError",
        reason: "SchemaMismatch",
        status: 200,
        requestId: "req_9",
      })
      expect(error.message).toContain('["bytes"]')
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a field of the wrong type is a ResponseDecodeError", () => {
    const stub = Stub.layer(() => Stub.json(Stub.file("cfile_1", { bytes: "880" })))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", reason: "SchemaMismatch" })
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("open strings accept values the API adds later", () => {
    const stub = Stub.layer(() =>
      Stub.json(Stub.file("cfile_1", { object: "container.file.v2", source: "robot" })),
    )
    return Effect.gen(function* () {
      const file = yield* ContainerFiles.retrieve("c", "f")
      expect([file.object, file.source]).toEqual(["container.file.v2", "robot"])
    }).pipe(Effect.provide(stub.layer))
  })
})

describe("the API key never leaks", () => {
  const spans: Array<Tracer.Span> = []
  const logs: Array<string> = []
  const recordingTracer = Effect.map(Effect.tracer, (native) =>
    Tracer.make({
      span: (...args) => {
        const span = native.span(...args)
        spans.push(span)
        return span
      },
      context: (f) => f(),
    }),
  )
  const logger = Logger.make(({ message, cause }) => {
    logs.push(`${inspect(message, { depth: 10 })} ${Cause.pretty(cause)}`)
  })

  const provoke = (reply: Stub.Reply | Effect.Effect<Stub.Reply>, options: ContainersClient.Options = {}) => {
    const stub = Stub.layer(() => reply, { maxRetries: 0, timeout: "10 millis", ...options })
    return Effect.gen(function* () {
      const tracer = yield* recordingTracer
      const error = yield* Effect.flip(ContainerFiles.retrieve("cntr_1", "cfile_1")).pipe(
        Effect.withTracer(tracer),
        Effect.provide(stub.layer),
      )
      yield* Effect.logDebug("request failed", error).pipe(
        Effect.annotateLogs("error", error),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All),
      )
      yield* Effect.logError(Cause.fail(error)).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      )
      return { error, requests: stub.requests }
    })
  }

  const renderings = (error: ContainersError.ContainersError) => [
    error.message,
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: 20, showHidden: true }),
    Cause.pretty(Cause.fail(error)),
    error.stack ?? "",
  ]

  const cases: ReadonlyArray<[string, Stub.Reply | Effect.Effect<Stub.Reply>, ContainersClient.Options?]> = [
    ["400", Stub.json({ error: apiError }, 400)],
    [
      "401 echoing the key",
      Stub.json({ error: { ...apiError, message: "Incorrect API key provided" } }, 401),
    ],
    ["429", Stub.json({ error: apiError }, 429, { "retry-after": "999" })],
    ["500", { raw: "oops", status: 500 }],
    ["connection", { transportError: "ECONNRESET" }],
    ["decode", Stub.json({ nope: true })],
    ["malformed", { raw: "{" }],
    ["timeout", Effect.never],
    ["bad header", Stub.json({}), { headers: { "x-bad": "a\r\nb" } }],
  ]
  for (const [name, reply, options] of cases) {
    it.effect(`${name}: not in the error, its renderings, logs or spans`, () =>
      Effect.gen(function* () {
        spans.length = 0
        logs.length = 0
        const fiber = yield* Effect.fork(provoke(reply, options))
        yield* Effect.yieldNow()
        yield* TestClock.adjust("1 second")
        const { error, requests } = yield* Fiber.join(fiber)
        expect(ContainersError.isContainersError(error)).toBe(true)
        if (name !== "bad header") expect(requests[0]!.headers.authorization).toBe(`Bearer ${Stub.apiKey}`)
        for (const text of [...renderings(error), ...logs]) expect(text).not.toContain("SECRET")
        expect(logs.length).toBe(2)
        for (const span of spans) {
          for (const [key, value] of span.attributes)
            expect(`${key}=${String(value)}`).not.toContain("SECRET")
        }
        if (name !== "bad header") {
          // One span per call, ours: the platform's per-attempt span (which copied headers into
          // its attributes) is not made, and ours records no header at all.
          expect(spans.map((s) => s.name)).toEqual(["ContainerFiles.retrieve"])
          for (const key of spans[0]!.attributes.keys()) expect(key).not.toContain("header")
          expect(spans[0]!.attributes.get("http.request.method")).toBe("GET")
        }
      }),
    )
  }

  it.effect("the service and options do not reveal the key when inspected", () =>
    Effect.gen(function* () {
      const stub = Stub.layer(() => Stub.json({}))
      const service = yield* Effect.provide(ContainersClient.ContainersClient, stub.layer)
      for (const text of [
        inspect(service, { depth: 20 }),
        JSON.stringify(service.options),
        String(service.options.apiKey),
      ]) {
        expect(text).not.toContain("SECRET")
      }
    }),
  )
})
