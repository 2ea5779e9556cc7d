import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import { ContainerFiles, ContainersClient, ContainersError, Upload } from "../src/index.js"
import { statusError } from "../src/internal/failures.js"
import {
  defaultSchedule,
  isRetryable,
  makeDecide,
  type RetryOptions,
  serverAskedWait,
} from "../src/internal/retry.js"
import * as Stub from "./stub.js"

const call = { method: "GET", path: "/containers/c" }
const status = (code: number, headers: Record<string, string> = {}) => statusError(call, code, headers, "")

const options: RetryOptions = {
  maxRetries: 2,
  maxRetryAfter: Duration.seconds(60),
  retrySchedule: Schedule.spaced("1 second"),
}

describe("isRetryable", () => {
  it("retries connection errors, timeouts, 408, 409, 429 and 5xx", () => {
    for (const code of [408, 409, 429, 500, 502, 503]) expect(isRetryable(status(code))).toBe(true)
    for (const code of [400, 401, 403, 404, 422, 418]) expect(isRetryable(status(code))).toBe(false)
    expect(
      isRetryable(new ContainersError.ConnectionError({ ...call, phase: "request", description: "reset" })),
    ).toBe(true)
    expect(
      isRetryable(new ContainersError.TimeoutError({ ...call, timeout: Duration.seconds(1), phase: "idle" })),
    ).toBe(true)
    expect(isRetryable(new ContainersError.InvalidRequestError({ message: "bad" }))).toBe(false)
  })

  it("x-should-retry overrides the status rule", () => {
    expect(isRetryable(status(400, { "x-should-retry": "true" }))).toBe(true)
    expect(isRetryable(status(503, { "x-should-retry": "false" }))).toBe(false)
    expect(isRetryable(status(503, { "x-should-retry": "maybe" }))).toBe(true)
  })

  it("never retries a redirect (3xx, or a browser's status 0), whatever x-should-retry says", () => {
    for (const code of [0, 300, 301, 302, 303, 304, 307, 308]) {
      expect(isRetryable(status(code))).toBe(false)
      expect(isRetryable(status(code, { "x-should-retry": "true" }))).toBe(false)
    }
  })

  it("retries a malformed body only for GETs", () => {
    const decode = (method: string, reason: "MalformedJson" | "SchemaMismatch") =>
      new ContainersError.ResponseDecodeError({
        method,
        path: "/x",
        status: 200,
        requestId: undefined,
        reason,
        issue: "",
      })
    expect(isRetryable(decode("GET", "MalformedJson"))).toBe(true)
    expect(isRetryable(decode("POST", "MalformedJson"))).toBe(false)
    expect(isRetryable(decode("GET", "SchemaMismatch"))).toBe(false)
  })
})

describe("serverAskedWait", () => {
  it("reads retry-after-ms, then Retry-After in seconds or as an HTTP date", () => {
    const now = Date.parse("2025-05-21T12:00:00Z")
    expect(serverAskedWait({ "retry-after-ms": "250", "retry-after": "9" }, now)).toEqual(Option.some(250))
    expect(serverAskedWait({ "retry-after-ms": "soon", "retry-after": "2.5" }, now)).toEqual(
      Option.some(2500),
    )
    expect(serverAskedWait({ "retry-after": "Wed, 21 May 2025 12:00:30 GMT" }, now)).toEqual(
      Option.some(30_000),
    )
    expect(serverAskedWait({ "retry-after": "Wed, 21 May 2025 11:00:00 GMT" }, now)).toEqual(Option.some(0))
    expect(serverAskedWait({ "retry-after": "later" }, now)).toEqual(Option.none())
    expect(serverAskedWait({}, now)).toEqual(Option.none())
  })
})

describe("makeDecide", () => {
  it.effect("retries up to maxRetries with the schedule's delay, then fails", () =>
    Effect.gen(function* () {
      const decide = yield* makeDecide(options)
      expect(yield* decide(status(503), 0, true)).toEqual({ _tag: "Retry", waitMillis: 1000 })
      expect(yield* decide(status(503), 1, true)).toEqual({ _tag: "Retry", waitMillis: 1000 })
      expect(yield* decide(status(503), 2, true)).toEqual({ _tag: "Fail" })
      expect(yield* decide(status(404), 0, true)).toEqual({ _tag: "Fail" })
    }),
  )

  it.effect("a server-asked wait replaces the backoff, up to the cap", () =>
    Effect.gen(function* () {
      const decide = yield* makeDecide(options)
      expect(yield* decide(status(429, { "retry-after-ms": "1500" }), 0, true)).toEqual({
        _tag: "Retry",
        waitMillis: 1500,
      })
      expect(yield* decide(status(429, { "retry-after": "61" }), 1, true)).toEqual({
        _tag: "Fail",
        note: "the server asked to wait 61000 ms, over the 1m cap",
      })
    }),
  )

  it.effect("an HTTP-date Retry-After counts from the Clock", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2025-05-21T12:00:00Z"))
      const decide = yield* makeDecide(options)
      expect(yield* decide(status(503, { "retry-after": "Wed, 21 May 2025 12:00:05 GMT" }), 0, true)).toEqual(
        {
          _tag: "Retry",
          waitMillis: 5000,
        },
      )
    }),
  )

  it.effect("a one-shot body is not retried, and says so", () =>
    Effect.gen(function* () {
      const decide = yield* makeDecide(options)
      expect(yield* decide(status(503), 0, false)).toEqual({
        _tag: "Fail",
        note: "the request body is a one-shot stream",
      })
    }),
  )

  it.effect("a schedule that ends stops the retries", () =>
    Effect.gen(function* () {
      const decide = yield* makeDecide({
        ...options,
        maxRetries: Number.POSITIVE_INFINITY,
        retrySchedule: Schedule.recurs(1),
      })
      expect((yield* decide(status(503), 0, true))._tag).toBe("Retry")
      expect(yield* decide(status(503), 1, true)).toEqual({ _tag: "Fail", note: "the retry schedule ended" })
    }),
  )

  it.effect("a user's schedule sees the call's retries in turn, each call afresh, fed the error", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const retrySchedule = Schedule.exponential("100 millis").pipe(
        Schedule.tap(({ input }) =>
          Effect.sync(() => seen.push((input as ContainersError.ContainersError)._tag)),
        ),
      )
      const first = yield* makeDecide({ ...options, maxRetries: 3, retrySchedule })
      const waits: Array<number> = []
      for (let retries = 0; retries < 3; retries++) {
        const decision = yield* first(status(retries === 1 ? 429 : 503), retries, true)
        if (decision._tag === "Retry") waits.push(decision.waitMillis)
      }
      expect(waits).toEqual([100, 200, 400])
      expect(seen).toEqual(["InternalServerError", "RateLimitError", "InternalServerError"])
      const second = yield* makeDecide({ ...options, retrySchedule })
      expect(yield* second(status(503), 0, true)).toEqual({ _tag: "Retry", waitMillis: 100 })
    }),
  )

  it.effect("the default schedule: 0.5 s doubling, capped at 8 s, shortened by at most a quarter", () =>
    Effect.gen(function* () {
      const decide = yield* makeDecide({ ...options, maxRetries: 8, retrySchedule: defaultSchedule })
      const bounds = [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]
      for (const [retries, max] of bounds.entries()) {
        const decision = yield* decide(status(503), retries, true)
        if (decision._tag !== "Retry") throw new Error("expected a retry")
        expect(decision.waitMillis).toBeLessThanOrEqual(max)
        expect(decision.waitMillis).toBeGreaterThanOrEqual(max * 0.75)
      }
    }),
  )
})

const ok = Stub.json(Stub.file("cfile_1"))
const failing = (code: number, headers: Record<string, string> = {}) =>
  Stub.json(
    { error: { message: `status ${code}`, type: "server_error", param: null, code: null } },
    code,
    headers,
  )

/** Fails with `first` for the first `n` attempts, then succeeds. */
const failThenOk = (n: number, first: Stub.Reply) => (_: Stub.Recorded, i: number) => (i < n ? first : ok)

describe("retry policy", () => {
  for (const code of [408, 409, 429, 500, 502, 503]) {
    it.effect(`retries ${code} with backoff, then succeeds`, () => {
      const stub = Stub.layer(failThenOk(1, failing(code)))
      return Effect.gen(function* () {
        const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("cntr_1", "cfile_1"))
        yield* Stub.adjust("374 millis") // the shortest first backoff is 375 ms (500 ms minus jitter)
        expect(stub.requests).toHaveLength(1)
        yield* Stub.adjust("126 millis")
        const file = yield* Fiber.join(fiber)
        expect(file.id).toBe("cfile_1")
        expect(stub.requests).toHaveLength(2)
      }).pipe(Effect.provide(stub.layer))
    })
  }

  const tags: ReadonlyArray<[number, string]> = [
    [400, "BadRequestError"],
    [401, "AuthenticationError"],
    [403, "PermissionDeniedError"],
    [404, "NotFoundError"],
    [422, "UnprocessableEntityError"],
    [418, "ApiError"],
  ]
  for (const [code, tag] of tags) {
    it.effect(`does not retry ${code}`, () => {
      const stub = Stub.layer(() => failing(code))
      return Effect.gen(function* () {
        const error = yield* Effect.flip(ContainerFiles.retrieve("cntr_1", "cfile_1"))
        expect(error._tag).toBe(tag)
        expect(stub.requests).toHaveLength(1)
      }).pipe(Effect.provide(stub.layer))
    })
  }

  it.effect("gives up after maxRetries (default 2) with the last error", () => {
    const stub = Stub.layer(() => failing(500))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(ContainerFiles.retrieve("cntr_1", "cfile_1")))
      yield* Stub.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("InternalServerError")
      expect(error).toMatchObject({ status: 500, requestId: "req_3", error: { message: "status 500" } })
      expect(stub.requests).toHaveLength(3)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("backoff doubles: the second retry comes 750 to 1000 ms after the first", () => {
    const stub = Stub.layer(failThenOk(2, failing(503)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      // First retry at 375..500 ms, second at (375..500) + (750..1000) ms: 1125..1500 ms.
      yield* Stub.adjust("1124 millis")
      expect(stub.requests).toHaveLength(2)
      yield* Stub.adjust("376 millis")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(3)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("maxRetries 0 sends once; maxRetries 4 sends five times", () =>
    Effect.gen(function* () {
      const none = Stub.layer(() => failing(500), { maxRetries: 0 })
      yield* Effect.flip(ContainerFiles.retrieve("c", "f")).pipe(Effect.provide(none.layer))
      expect(none.requests).toHaveLength(1)
      const four = Stub.layer(() => failing(500), { maxRetries: 4 })
      const fiber = yield* Effect.forkChild(
        Effect.flip(ContainerFiles.retrieve("c", "f")).pipe(Effect.provide(four.layer)),
      )
      yield* Stub.adjust("60 seconds")
      expect((yield* Fiber.join(fiber))._tag).toBe("InternalServerError")
      expect(four.requests).toHaveLength(5)
    }),
  )

  it.effect("honours retry-after-ms", () => {
    const stub = Stub.layer(failThenOk(1, failing(429, { "retry-after-ms": "1500" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      yield* Stub.adjust("1499 millis")
      expect(stub.requests).toHaveLength(1)
      yield* Stub.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("honours Retry-After in seconds", () => {
    const stub = Stub.layer(failThenOk(1, failing(503, { "retry-after": "3" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      yield* Stub.adjust("2999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* Stub.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("honours Retry-After as an HTTP date", () => {
    // TestClock starts at the epoch, so this date is 4 s from now.
    const stub = Stub.layer(failThenOk(1, failing(429, { "retry-after": "Thu, 01 Jan 1970 00:00:04 GMT" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      yield* Stub.adjust("3999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* Stub.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a server-asked wait over maxRetryAfter returns the error at once", () => {
    const stub = Stub.layer(() => failing(429, { "retry-after": "120" }))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      expect(error._tag).toBe("RateLimitError")
      expect(stub.requests).toHaveLength(1)
      expect(error.message).toContain("not retried: the server asked to wait 120000 ms, over the 1m cap")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("maxRetryAfter is configurable", () => {
    const stub = Stub.layer(failThenOk(1, failing(429, { "retry-after-ms": "3000" })), {
      maxRetryAfter: "2 seconds",
    })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      expect(error._tag).toBe("RateLimitError")
      expect(error.message).toContain("not retried: the server asked to wait 3000 ms, over the 2s cap")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("x-should-retry: false stops a retryable status", () => {
    const stub = Stub.layer(() => failing(503, { "x-should-retry": "false" }))
    return Effect.gen(function* () {
      expect((yield* Effect.flip(ContainerFiles.retrieve("c", "f")))._tag).toBe("InternalServerError")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("x-should-retry: true retries a status that is otherwise final", () => {
    const stub = Stub.layer(failThenOk(1, failing(400, { "x-should-retry": "true" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("c", "f"))
      yield* Stub.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a redirect is never retried, even with x-should-retry: true", () => {
    const stub = Stub.layer(() =>
      Stub.json({}, 307, { location: "https://elsewhere.test/v1/x", "x-should-retry": "true" }),
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect([error._tag, "status" in error && error.status]).toEqual(["ApiError", 307])
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a user schedule replaces the backoff", () => {
    const stub = Stub.layer(failThenOk(1, failing(500)), { retrySchedule: Schedule.spaced("2 seconds") })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("c", "f"))
      yield* Stub.adjust("1999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* Stub.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a user schedule that ends stops retrying before maxRetries", () => {
    const stub = Stub.layer(() => failing(500), { maxRetries: 5, retrySchedule: Schedule.recurs(1) })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error._tag).toBe("InternalServerError")
      expect(error.message).toContain("not retried: the retry schedule ended")
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a user schedule starts afresh for each call", () => {
    const stub = Stub.layer((_, i) => (i % 2 === 0 ? failing(500) : ok), {
      retrySchedule: Schedule.exponential("1 second"),
    })
    return Effect.gen(function* () {
      for (let call = 0; call < 2; call++) {
        const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("c", "f"))
        yield* Stub.adjust("999 millis")
        expect(stub.requests).toHaveLength(call * 2 + 1)
        yield* Stub.adjust("1 millis")
        yield* Fiber.join(fiber)
        expect(stub.requests).toHaveLength(call * 2 + 2)
      }
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("retries connection errors", () => {
    const stub = Stub.layer(failThenOk(2, { transportError: "socket hang up" }))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("c", "f"))
      yield* Stub.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).id).toBe("cfile_1")
      expect(stub.requests).toHaveLength(3)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a connection error, when retries run out, says what failed", () => {
    const stub = Stub.layer(() => ({ transportError: "socket hang up" }), { maxRetries: 0 })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error._tag).toBe("ConnectionError")
      expect(error.message).toBe("Connection failed: socket hang up (GET /containers/c/files/f)")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a stalled server times out per attempt and is retried", () => {
    const stub = Stub.layer((_, i) => (i < 1 ? Effect.never : Effect.succeed(ok)), { timeout: "5 seconds" })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("c", "f"))
      yield* Stub.adjust("4999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* Stub.adjust("1 millis")
      yield* Stub.adjust("500 millis")
      expect((yield* Fiber.join(fiber)).id).toBe("cfile_1")
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("the timeout error, when retries run out", () => {
    const stub = Stub.layer(() => Effect.never, { timeout: "1 second", maxRetries: 0 })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(ContainerFiles.retrieve("c", "f")))
      yield* Stub.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      expect(error.message).toBe("No response within 1s (GET /containers/c/files/f)")
    }).pipe(Effect.provide(stub.layer))
  })

  // On the live clock the attempt timeout is a real timer: these run in real time.
  it.live("on the live clock, a stalled attempt times out and is interrupted", () => {
    let interrupted = false
    const stalled = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))))
    const stub = Stub.layer(() => stalled, { timeout: "20 millis", maxRetries: 0 })
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error._tag).toBe("TimeoutError")
      expect(interrupted).toBe(true)
    }).pipe(Effect.provide(stub.layer))
  })

  it.live("on the live clock, a timeout longer than setTimeout can hold does not fire early", () => {
    const stub = Stub.layer(() => Effect.as(Effect.sleep("30 millis"), ok), { timeout: "30 days" })
    return Effect.gen(function* () {
      expect((yield* ContainerFiles.retrieve("c", "f")).id).toBe("cfile_1")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("interrupting during a backoff wait stops at once and sends nothing more", () => {
    const stub = Stub.layer(() => failing(500))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("c", "f"))
      yield* Stub.adjust("100 millis")
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.hasInterrupts(exit)).toBe(true)
      yield* Stub.adjust("30 seconds")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a replayable upload is re-sent with the same bytes", () => {
    const stub = Stub.layer(failThenOk(1, failing(503)))
    const bytes = new Uint8Array([5, 4, 3, 2, 1])
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(
        ContainerFiles.create("c", { file: Upload.fromBytes("a.bin", bytes) }),
      )
      yield* Stub.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
      const parts = yield* Effect.forEach(stub.requests, (r) =>
        Effect.promise(() =>
          new Response(r.body, { headers: { "content-type": r.contentType! } }).formData(),
        ),
      )
      for (const form of parts) {
        expect(new Uint8Array(yield* Effect.promise(() => (form.get("file") as File).arrayBuffer()))).toEqual(
          bytes,
        )
      }
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a replayable stream upload is re-opened on retry", () => {
    const stub = Stub.layer(failThenOk(1, failing(503)))
    let opened = 0
    const upload = Upload.make({
      name: "a.txt",
      size: 3,
      replayable: true,
      open: Effect.sync(() => {
        opened++
        return Stream.make(new TextEncoder().encode("abc"))
      }),
    })
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(ContainerFiles.create("c", { file: upload }))
      yield* Stub.adjust("1 second")
      yield* Fiber.join(fiber)
      expect(opened).toBe(2)
      expect(stub.requests.map((r) => Stub.decodeText(r.body).includes("\r\n\r\nabc\r\n"))).toEqual([
        true,
        true,
      ])
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a one-shot stream upload is sent once and the error says why", () => {
    const stub = Stub.layer(() => failing(503))
    return Effect.gen(function* () {
      const upload = Upload.fromStream("a.txt", Stream.make(new Uint8Array([1, 2])))
      const error = yield* Effect.flip(ContainerFiles.create("c", { file: upload }))
      expect(error._tag).toBe("InternalServerError")
      expect(error.message).toContain("not retried: the request body is a one-shot stream")
      expect("notRetried" in error && error.notRetried).toBe("the request body is a one-shot stream")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("an error rebuilt with its note keeps its cause", () => {
    const stub = Stub.layer(() => ({ transportError: "socket hang up" }))
    return Effect.gen(function* () {
      const upload = Upload.fromStream("a.txt", Stream.make(new Uint8Array([1, 2])))
      const error = yield* Effect.flip(ContainerFiles.create("c", { file: upload }))
      expect(error._tag).toBe("ConnectionError")
      expect("notRetried" in error && error.notRetried).toBe("the request body is a one-shot stream")
      expect(error.cause).toBeInstanceOf(Error)
      expect((error.cause as Error).message).toBe("socket hang up")
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a connection failure says whether the response had come: phase request or body", () => {
    // Answers 200, then the body fails after its first bytes.
    const broken = (): Stub.Reply => ({
      raw: new ReadableStream({
        start: (controller) => {
          controller.enqueue(new TextEncoder().encode('{"id": "cfile_1",'))
          controller.error(new Error("connection reset"))
        },
      }),
      headers: { "content-type": "application/json" },
    })
    return Effect.gen(function* () {
      const body = Stub.layer(broken, { maxRetries: 0 })
      const cut = yield* Effect.flip(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(body.layer)))
      expect(cut._tag === "ConnectionError" && cut.phase).toBe("body")
      const content = yield* Effect.flip(
        ContainerFiles.contentBytes("c", "f").pipe(Effect.provide(body.layer)),
      )
      expect(content._tag === "ConnectionError" && content.phase).toBe("body")
      const refused = Stub.layer(() => ({ transportError: "ECONNREFUSED" }), { maxRetries: 0 })
      const unsent = yield* Effect.flip(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(refused.layer)))
      expect(unsent._tag === "ConnectionError" && unsent.phase).toBe("request")
    })
  })

  it.effect("malformed JSON is retried for a GET, not for a POST", () =>
    Effect.gen(function* () {
      const get = Stub.layer(failThenOk(1, { raw: '{"id": "cfile_1", "obj' }))
      const fiber = yield* Effect.forkChild(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(get.layer)))
      yield* Stub.adjust("1 second")
      expect((yield* Fiber.join(fiber)).id).toBe("cfile_1")
      expect(get.requests).toHaveLength(2)
      const post = Stub.layer(failThenOk(1, { raw: "<html>" }))
      const error = yield* Effect.flip(
        ContainerFiles.create("c", { fileId: "file-1" }).pipe(Effect.provide(post.layer)),
      )
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", reason: "MalformedJson", status: 200 })
      expect(post.requests).toHaveLength(1)
    }),
  )

  it.effect("a key the server echoes back is hidden in the error", () => {
    const stub = Stub.layer(
      () =>
        Stub.json({ error: { message: `bad key ${Stub.apiKey}`, type: "invalid_request_error" } }, 401, {
          "x-echo": Stub.apiKey,
        }),
      { maxRetries: 0 },
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(ContainerFiles.retrieve("c", "f"))
      expect(error._tag).toBe("AuthenticationError")
      expect(error.message).toBe("401 bad key <redacted> (GET /containers/c/files/f) [request req_1]")
      expect(JSON.stringify(error)).not.toContain(Stub.apiKey)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("withOptions changes the policy for one call", () => {
    const stub = Stub.layer(() => failing(500))
    return Effect.gen(function* () {
      yield* Effect.flip(
        ContainerFiles.retrieve("c", "f").pipe(ContainersClient.withOptions({ maxRetries: 0 })),
      )
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })
})
