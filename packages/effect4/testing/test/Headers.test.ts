/**
 * The headers every response carries, in-process on the TestClock, and the request budget that
 * the `x-ratelimit-*-requests` headers report and a 429 enforces.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { TestClock } from "effect/testing"
import * as FakeContainersApi from "../src/FakeContainersApi.js"
import { formatDuration } from "../src/internal/budget.js"
import { apiKey, call, createContainer, errorBody, requestId, send } from "./utils.js"

const { get } = HttpClientRequest
const Fake = FakeContainersApi.FakeContainersApi

const budgetHeaders = (headers: Readonly<Record<string, string>>) => [
  headers["x-ratelimit-limit-requests"],
  headers["x-ratelimit-remaining-requests"],
  headers["x-ratelimit-reset-requests"],
]

describe("headers on every response", () => {
  it.effect("x-request-id, openai-processing-ms and the default budget, on successes and errors", () =>
    Effect.gen(function* () {
      const c = yield* createContainer({ name: "c" })
      const responses = [
        yield* call(get(`/containers/${c.id}`)),
        yield* call(get("/containers/cntr_missing")),
        yield* call(get("/containers?limit=0")),
        yield* call(get("/nope")),
      ]
      expect(responses.map((r) => r.status)).toEqual([200, 404, 400, 404])
      for (const [i, res] of responses.entries()) {
        expect(res.headers["x-request-id"]).toMatch(requestId)
        expect(res.headers["openai-processing-ms"]).toBe("0")
        // 10,000,000 a minute: each request (the create, then these) takes 1/10,000,000 of it,
        // which drains again in 0.006 ms, rounded up to 1 ms.
        expect(budgetHeaders(res.headers)).toEqual(["10000000", String(10_000_000 - 2 - i), "1ms"])
      }
    }).pipe(Effect.provide(FakeContainersApi.layerClient({ apiKey }))),
  )

  it.effect("openai-processing-ms is the time the fake took, on the Clock (latency included)", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      yield* fake.injectFault({ fault: { _tag: "Latency", millis: 1_000 } })
      const fiber = yield* Effect.forkChild(call(get("/containers")))
      yield* TestClock.adjust(1_250)
      expect((yield* Fiber.join(fiber)).headers["openai-processing-ms"]).toBe("1250")
    }).pipe(Effect.provide(FakeContainersApi.layerClient({ apiKey, latency: 250 }))),
  )

  it.effect("an injected status carries the headers too; its own headers win", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      yield* fake.injectFault({
        fault: { _tag: "Status", status: 503, headers: { "x-ratelimit-remaining-requests": "7" } },
      })
      const res = yield* call(get("/containers"))
      expect(res.status).toBe(503)
      expect(res.headers["x-request-id"]).toMatch(requestId)
      expect(res.headers["openai-processing-ms"]).toBe("0")
      // The request was not processed: the budget is untouched.
      expect(budgetHeaders(res.headers)).toEqual(["10000000", "7", "0s"])
    }).pipe(Effect.provide(FakeContainersApi.layerClient({ apiKey }))),
  )

  it.effect("in-process bodies are never compressed, whatever Accept-Encoding says", () =>
    Effect.gen(function* () {
      yield* createContainer({ name: "c" })
      const res = yield* send(get("/containers").pipe(HttpClientRequest.setHeader("accept-encoding", "gzip")))
      expect(res.headers["content-encoding"]).toBeUndefined()
      expect(yield* res.json).toMatchObject({ object: "list", data: [{ name: "c" }] })
    }).pipe(Effect.provide(FakeContainersApi.layerClient({ apiKey }))),
  )
})

describe("the request budget", () => {
  const limited = FakeContainersApi.layerClient({ apiKey, rateLimit: { requests: 3, per: "1 minute" } })
  const overBudget = (retryIn: string) =>
    errorBody(
      `Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryIn}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      null,
      "rate_limit_exceeded",
      "requests",
    )

  it.effect("counts down, refuses with a 429 and the waits to honour, and refills continuously", () =>
    Effect.gen(function* () {
      const seen: Array<ReadonlyArray<string | undefined>> = []
      for (let i = 0; i < 3; i++) {
        const res = yield* call(get("/containers"))
        expect(res.status).toBe(200)
        seen.push(budgetHeaders(res.headers))
      }
      // One request is a third of the minute's budget: 20 s to win it back.
      expect(seen).toEqual([
        ["3", "2", "20s"],
        ["3", "1", "40s"],
        ["3", "0", "1m0s"],
      ])
      const refused = yield* call(get("/containers"))
      expect(refused.status).toBe(429)
      expect(refused.body).toEqual(overBudget("20s"))
      expect(refused.headers["retry-after"]).toBe("20")
      expect(refused.headers["retry-after-ms"]).toBe("20000")
      expect(refused.headers["x-request-id"]).toMatch(requestId)
      expect(budgetHeaders(refused.headers)).toEqual(["3", "0", "1m0s"])

      yield* TestClock.adjust(12_345)
      const later = yield* call(get("/containers"))
      expect(later.status).toBe(429)
      expect(later.body).toEqual(overBudget("7.655s"))
      expect([later.headers["retry-after"], later.headers["retry-after-ms"]]).toEqual(["8", "7655"])
      expect(budgetHeaders(later.headers)).toEqual(["3", "0", "47.655s"])

      yield* TestClock.adjust(7_655)
      const again = yield* call(get("/containers"))
      expect(again.status).toBe(200)
      expect(budgetHeaders(again.headers)).toEqual(["3", "0", "1m0s"])

      const fake = yield* Fake
      expect((yield* fake.requests).map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 200])
      yield* fake.reset
      expect(budgetHeaders((yield* call(get("/containers"))).headers)).toEqual(["3", "2", "20s"])
    }).pipe(Effect.provide(limited)),
  )

  it.effect("requests refused before the budget (no key) do not spend it", () =>
    Effect.gen(function* () {
      const unauthorized = yield* call(get("/containers").pipe(HttpClientRequest.bearerToken("sk-wrong")))
      expect(unauthorized.status).toBe(401)
      expect(budgetHeaders(unauthorized.headers)).toEqual(["3", "3", "0s"])
      expect(budgetHeaders((yield* call(get("/containers"))).headers)).toEqual(["3", "2", "20s"])
    }).pipe(Effect.provide(limited)),
  )

  it.effect("another window is named by its length", () =>
    Effect.gen(function* () {
      yield* call(get("/containers"))
      const refused = yield* call(get("/containers"))
      expect(refused.body).toEqual(
        errorBody(
          "Rate limit reached for requests per 1h0m0s: Limit 1, Used 1, Requested 1. Please try again in 1h0m0s. Visit https://platform.openai.com/account/rate-limits to learn more.",
          null,
          "rate_limit_exceeded",
          "requests",
        ),
      )
      expect([refused.headers["retry-after"], refused.headers["retry-after-ms"]]).toEqual(["3600", "3600000"])
    }).pipe(Effect.provide(FakeContainersApi.layerClient({ rateLimit: { requests: 1, per: "1 hour" } }))),
  )

  it.effect("a budget that is not whole numbers is a defect when the layer is built", () =>
    Effect.gen(function* () {
      const budgets: ReadonlyArray<FakeContainersApi.Options["rateLimit"]> = [
        { requests: 0 },
        { requests: 1.5 },
        { requests: 1, per: "0.5 millis" },
      ]
      for (const rateLimit of budgets) {
        const exit = yield* Effect.exit(FakeContainersApi.make({ rateLimit }))
        expect(exit._tag).toBe("Failure")
      }
    }),
  )
})

describe("formatDuration", () => {
  it("formats like OpenAI's reset headers", () => {
    expect(
      [0, 1, 12, 999, 1000, 1500, 20_000, 60_000, 61_001, 3_600_000, 3_723_500].map(formatDuration),
    ).toEqual(["0s", "1ms", "12ms", "999ms", "1s", "1.5s", "20s", "1m0s", "1m1.001s", "1h0m0s", "1h2m3.5s"])
  })
})
