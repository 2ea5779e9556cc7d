import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { TestClock } from "effect/testing"
import { ContainersError } from "../src/index.js"
import { statusError } from "../src/internal/failures.js"
import {
  defaultSchedule,
  isRetryable,
  makeDecide,
  type RetryOptions,
  serverAskedWait,
} from "../src/internal/retry.js"

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
    expect(isRetryable(new ContainersError.ConnectionError({ ...call, description: "reset" }))).toBe(true)
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
