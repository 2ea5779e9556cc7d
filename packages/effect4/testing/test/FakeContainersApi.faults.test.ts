import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import * as FakeContainersApi from "../src/FakeContainersApi.js"
import { bytesOf, call, createContainer, errorBody, fake, requestId, send } from "./utils.js"

const { get, post } = HttpClientRequest
const Fake = FakeContainersApi.FakeContainersApi
const inject = (spec: FakeContainersApi.FaultSpec) => Effect.flatMap(Fake, (fake) => fake.injectFault(spec))
const createRequest = post("/containers").pipe(HttpClientRequest.bodyJsonUnsafe({ name: "c" }))

describe("Status", () => {
  it.effect("answers the next `times` matching requests with the status, headers and an API error body", () =>
    Effect.gen(function* () {
      yield* inject({
        match: { method: "POST", path: "/v1/containers" },
        times: 2,
        fault: { _tag: "Status", status: 429, headers: { "retry-after": "3", "retry-after-ms": "2500" } },
      })
      // A request that does not match is untouched.
      expect((yield* call(get("/containers"))).status).toBe(200)
      for (let i = 0; i < 2; i++) {
        const res = yield* call(createRequest)
        expect(res.status).toBe(429)
        expect(res.headers["retry-after"]).toBe("3")
        expect(res.headers["retry-after-ms"]).toBe("2500")
        expect(res.headers["content-type"]).toBe("application/json")
        expect(res.headers["x-request-id"]).toMatch(requestId)
        expect(res.body).toEqual(
          errorBody("Injected fault: HTTP 429.", null, "rate_limit_exceeded", "requests"),
        )
      }
      const fake = yield* Fake
      // The faulted requests were not processed.
      expect(yield* fake.containers).toEqual([])
      expect((yield* call(createRequest)).status).toBe(200)
      expect((yield* fake.requests).map((r) => [r.status, r.fault])).toEqual([
        [200, undefined],
        [429, "Status"],
        [429, "Status"],
        [200, undefined],
      ])
    }).pipe(Effect.provide(fake)),
  )

  it.effect("a custom body and headers (x-should-retry) are sent as given; path may be a RegExp", () =>
    Effect.gen(function* () {
      yield* inject({
        match: { path: /\/files$/ },
        fault: { _tag: "Status", status: 503, headers: { "x-should-retry": "false" }, body: "upstream down" },
      })
      const c = yield* createContainer({ name: "x" })
      const res = yield* send(get(`/containers/${c.id}/files`))
      expect(res.status).toBe(503)
      expect(res.headers["x-should-retry"]).toBe("false")
      expect(res.headers["content-type"]).toBe("text/plain")
      expect(yield* res.text).toBe("upstream down")
      expect((yield* send(get(`/containers/${c.id}/files`))).status).toBe(200)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("a seeded fraction picks the same requests every run", () =>
    Effect.gen(function* () {
      const run = Effect.gen(function* () {
        const fake = yield* Fake
        yield* fake.reset
        yield* fake.injectFault({ fraction: 0.3, seed: 7, fault: { _tag: "Status", status: 500 } })
        const statuses: Array<number> = []
        for (let i = 0; i < 40; i++) statuses.push((yield* send(get("/containers"))).status)
        return statuses
      })
      const first = yield* run
      const second = yield* run
      expect(first).toEqual(second)
      const failures = first.filter((s) => s === 500).length
      expect(failures).toBeGreaterThan(4)
      expect(failures).toBeLessThan(24)
      expect(first.every((s) => s === 200 || s === 500)).toBe(true)
      // With `times`, a fraction stops after that many faults.
      const fake = yield* Fake
      yield* fake.reset
      yield* fake.injectFault({ fraction: 1, times: 3, fault: { _tag: "Status", status: 500 } })
      const statuses: Array<number> = []
      for (let i = 0; i < 5; i++) statuses.push((yield* send(get("/containers"))).status)
      expect(statuses).toEqual([500, 500, 500, 200, 200])
    }).pipe(Effect.provide(fake)),
  )

  it.effect("clearFaults drops pending rules; method matching ignores case", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      yield* fake.injectFault({ match: { method: "get" }, times: 5, fault: { _tag: "Status", status: 500 } })
      expect((yield* send(get("/containers"))).status).toBe(500)
      yield* fake.clearFaults
      expect((yield* send(get("/containers"))).status).toBe(200)
      expect(
        yield* Effect.exit(fake.injectFault({ times: 0, fault: { _tag: "TruncatedBody" } })),
      ).toMatchObject({
        _tag: "Failure",
      })
    }).pipe(Effect.provide(fake)),
  )
})

describe("Latency and Stall (driven by TestClock)", () => {
  it.effect("Latency delays the response by `millis`", () =>
    Effect.gen(function* () {
      yield* inject({ fault: { _tag: "Latency", millis: 1000 } })
      const fiber = yield* Effect.forkChild(call(get("/containers")))
      yield* TestClock.adjust(999)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust(1)
      expect((yield* Fiber.join(fiber)).status).toBe(200)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("the latency option delays every request", () =>
    Effect.gen(function* () {
      for (let i = 0; i < 2; i++) {
        const fiber = yield* Effect.forkChild(call(get("/containers")))
        yield* TestClock.adjust(249)
        expect(fiber.pollUnsafe()).toBeUndefined()
        yield* TestClock.adjust(1)
        expect((yield* Fiber.join(fiber)).status).toBe(200)
      }
    }).pipe(Effect.provide(FakeContainersApi.layerClient({ latency: 250 }))),
  )

  it.effect("Stall without millis never answers; interrupting the caller ends it", () =>
    Effect.gen(function* () {
      yield* inject({ fault: { _tag: "Stall" } })
      const fiber = yield* Effect.forkChild(call(get("/containers")))
      yield* TestClock.adjust("1 day")
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* Fiber.interrupt(fiber)
      expect((yield* call(get("/containers"))).status).toBe(200)
      const log = yield* (yield* Fake).requests
      expect(log.map((r) => [r.fault, r.status])).toEqual([
        ["Stall", undefined],
        [undefined, 200],
      ])
    }).pipe(Effect.provide(fake)),
  )

  it.effect("Stall with millis holds the headers that long", () =>
    Effect.gen(function* () {
      yield* inject({ fault: { _tag: "Stall", millis: 5000 } })
      const fiber = yield* Effect.forkChild(call(get("/containers")))
      yield* TestClock.adjust(4999)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust(1)
      expect((yield* Fiber.join(fiber)).status).toBe(200)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("Stall with afterBytes sends headers and a prefix, then pauses the body", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      const c = yield* createContainer({ name: "x" })
      const bytes = Uint8Array.from({ length: 100 }, (_, i) => i)
      const file = yield* fake.addFile(c.id, { filename: "a", bytes })
      yield* inject({ fault: { _tag: "Stall", afterBytes: 10, millis: 60_000 } })
      const res = yield* send(get(`/containers/${c.id}/files/${file.id}/content`))
      expect(res.status).toBe(200)
      expect(res.headers["content-length"]).toBe("100")
      const body = yield* Effect.forkChild(bytesOf(res))
      yield* TestClock.adjust(59_999)
      expect(body.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust(1)
      expect(yield* Fiber.join(body)).toEqual(bytes)
    }).pipe(Effect.provide(fake)),
  )
})

describe("body faults", () => {
  it.effect("ResetMidBody: real status and headers, then the body fails; the request was processed", () =>
    Effect.gen(function* () {
      yield* inject({ fault: { _tag: "ResetMidBody" } })
      const res = yield* send(createRequest)
      expect(res.status).toBe(200)
      expect(res.headers["x-request-id"]).toMatch(requestId)
      expect(Number(res.headers["content-length"])).toBeGreaterThan(100)
      const body = yield* Effect.result(res.text)
      // The in-process client sees the failed body as an `effect/http` client error, as `fetch`'s would be.
      expect(Result.isFailure(body) && [body.failure._tag, body.failure.reason._tag]).toEqual([
        "HttpClientError",
        "DecodeError",
      ])
      expect((yield* (yield* Fake).containers).length).toBe(1)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("ResetMidBody on content after `afterBytes` delivers exactly that prefix first", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      const c = yield* createContainer({ name: "x" })
      const file = yield* fake.addFile(c.id, { filename: "a", bytes: new Uint8Array(1000).fill(7) })
      yield* inject({ match: { path: /\/content$/ }, fault: { _tag: "ResetMidBody", afterBytes: 300 } })
      const res = yield* send(get(`/containers/${c.id}/files/${file.id}/content`))
      let received = 0
      const result = yield* Effect.result(
        Stream.runForEach(res.stream, (chunk) =>
          Effect.sync(() => {
            received += chunk.length
          }),
        ),
      )
      expect(Result.isFailure(result)).toBe(true)
      expect(received).toBe(300)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("TruncatedBody: a prefix of the real JSON that ends cleanly", () =>
    Effect.gen(function* () {
      const c = yield* createContainer({ name: "x" })
      yield* inject({ fault: { _tag: "TruncatedBody" } })
      const res = yield* send(get(`/containers/${c.id}`))
      expect(res.status).toBe(200)
      const text = yield* res.text
      const full = JSON.stringify(c)
      expect(text.length).toBe(Math.floor(full.length / 2))
      expect(full.startsWith(text)).toBe(true)
      expect(res.headers["content-length"]).toBe(String(text.length))
    }).pipe(Effect.provide(fake)),
  )

  it.effect("MalformedJson: a complete body that is not JSON", () =>
    Effect.gen(function* () {
      yield* createContainer({ name: "x" })
      yield* inject({ fault: { _tag: "MalformedJson" } })
      const res = yield* send(get("/containers"))
      expect(res.status).toBe(200)
      expect(res.headers["content-type"]).toBe("application/json")
      const text = yield* res.text
      expect(text.startsWith('{"object":"list"')).toBe(true)
      expect(() => JSON.parse(text)).toThrow()
      expect(
        Result.isFailure(yield* Effect.result(send(get("/containers")).pipe(Effect.flatMap((r) => r.json)))),
      ).toBe(false)
    }).pipe(Effect.provide(fake)),
  )
})
