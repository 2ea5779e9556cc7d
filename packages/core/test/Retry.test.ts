import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ContainerFiles, ContainersClient, Upload } from "../src/index.js"
import * as Stub from "./stub.js"

const ok = Stub.json(Stub.file("cfile_1"))
const failing = (status: number, headers: Record<string, string> = {}) =>
  Stub.json(
    { error: { message: `status ${status}`, type: "server_error", param: null, code: null } },
    status,
    headers,
  )

/** Fails with `first` for the first `n` attempts, then succeeds. */
const failThenOk = (n: number, first: Stub.Reply) => (_: Stub.Recorded, i: number) => (i < n ? first : ok)

describe("retry policy", () => {
  for (const status of [408, 409, 429, 500, 502, 503]) {
    it.effect(`retries ${status} with backoff, then succeeds`, () => {
      const stub = Stub.layer(failThenOk(1, failing(status)))
      return Effect.gen(function* () {
        const fiber = yield* Effect.fork(ContainerFiles.retrieve("cntr_1", "cfile_1"))
        yield* TestClock.adjust("374 millis") // the shortest first backoff is 375 ms (500 ms minus jitter)
        expect(stub.requests).toHaveLength(1)
        yield* TestClock.adjust("126 millis")
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
  for (const [status, tag] of tags) {
    it.effect(`does not retry ${status}`, () => {
      const stub = Stub.layer(() => failing(status))
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
      const fiber = yield* Effect.fork(Effect.flip(ContainerFiles.retrieve("cntr_1", "cfile_1")))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("InternalServerError")
      expect(stub.requests).toHaveLength(3)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("backoff doubles: the second retry comes 750 to 1000 ms after the first", () => {
    const stub = Stub.layer(failThenOk(2, failing(503)))
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      // First retry at 375..500 ms, second at (375..500) + (750..1000) ms: 1125..1500 ms.
      yield* TestClock.adjust("1124 millis")
      expect(stub.requests).toHaveLength(2)
      yield* TestClock.adjust("376 millis")
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
      const fiber = yield* Effect.fork(
        Effect.flip(ContainerFiles.retrieve("c", "f")).pipe(Effect.provide(four.layer)),
      )
      yield* TestClock.adjust("60 seconds")
      expect((yield* Fiber.join(fiber))._tag).toBe("InternalServerError")
      expect(four.requests).toHaveLength(5)
    }),
  )

  it.effect("honours retry-after-ms", () => {
    const stub = Stub.layer(failThenOk(1, failing(429, { "retry-after-ms": "1500" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      yield* TestClock.adjust("1499 millis")
      expect(stub.requests).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("honours Retry-After in seconds", () => {
    const stub = Stub.layer(failThenOk(1, failing(503, { "retry-after": "3" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      yield* TestClock.adjust("2999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("honours Retry-After as an HTTP date", () => {
    // TestClock starts at the epoch, so this date is 4 s from now.
    const stub = Stub.layer(failThenOk(1, failing(429, { "retry-after": "Thu, 01 Jan 1970 00:00:04 GMT" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("cntr_1", "cfile_1"))
      yield* TestClock.adjust("3999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
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
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("c", "f"))
      yield* TestClock.adjust("1 second")
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
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("c", "f"))
      yield* TestClock.adjust("1999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
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

  it.effect("retries connection errors", () => {
    const stub = Stub.layer(failThenOk(2, { transportError: "socket hang up" }))
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("c", "f"))
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).id).toBe("cfile_1")
      expect(stub.requests).toHaveLength(3)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a stalled server times out per attempt and is retried", () => {
    const stub = Stub.layer((_, i) => (i < 1 ? Effect.never : Effect.succeed(ok)), { timeout: "5 seconds" })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("c", "f"))
      yield* TestClock.adjust("4999 millis")
      expect(stub.requests).toHaveLength(1)
      yield* TestClock.adjust("1 millis")
      yield* TestClock.adjust("500 millis")
      expect((yield* Fiber.join(fiber)).id).toBe("cfile_1")
      expect(stub.requests).toHaveLength(2)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("the timeout error, when retries run out", () => {
    const stub = Stub.layer(() => Effect.never, { timeout: "1 second", maxRetries: 0 })
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.flip(ContainerFiles.retrieve("c", "f")))
      yield* TestClock.adjust("1 second")
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
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("c", "f"))
      yield* TestClock.adjust("100 millis")
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      yield* TestClock.adjust("30 seconds")
      expect(stub.requests).toHaveLength(1)
    }).pipe(Effect.provide(stub.layer))
  })

  it.effect("a replayable upload is re-sent with the same bytes", () => {
    const stub = Stub.layer(failThenOk(1, failing(503)))
    const bytes = new Uint8Array([5, 4, 3, 2, 1])
    return Effect.gen(function* () {
      const fiber = yield* Effect.fork(ContainerFiles.create("c", { file: Upload.fromBytes("a.bin", bytes) }))
      yield* TestClock.adjust("1 second")
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
      const fiber = yield* Effect.fork(ContainerFiles.create("c", { file: upload }))
      yield* TestClock.adjust("1 second")
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
    const broken: Stub.Reply = {
      raw: new ReadableStream({
        start: (controller) => {
          controller.enqueue(new TextEncoder().encode('{"id": "cfile_1",'))
          controller.error(new Error("connection reset"))
        },
      }),
      headers: { "content-type": "application/json" },
    }
    return Effect.gen(function* () {
      const body = Stub.layer(() => broken, { maxRetries: 0 })
      const cut = yield* Effect.flip(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(body.layer)))
      expect(cut._tag === "ConnectionError" && cut.phase).toBe("body")
      const refused = Stub.layer(() => ({ transportError: "ECONNREFUSED" }), { maxRetries: 0 })
      const unsent = yield* Effect.flip(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(refused.layer)))
      expect(unsent._tag === "ConnectionError" && unsent.phase).toBe("request")
    })
  })

  it.effect("malformed JSON is retried for a GET, not for a POST", () =>
    Effect.gen(function* () {
      const get = Stub.layer(failThenOk(1, { raw: '{"id": "cfile_1", "obj' }))
      const fiber = yield* Effect.fork(ContainerFiles.retrieve("c", "f").pipe(Effect.provide(get.layer)))
      yield* TestClock.adjust("1 second")
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
