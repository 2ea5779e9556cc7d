/**
 * The fake's real-API behaviours as this project's client meets them, in-process on the
 * TestClock (`@openai-containers/testing` 2.x, the fake on Effect 4): an expired container's errors, `last_active_at` moving, the budget's 429 retried
 * after the wait the fake asked for.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FakeContainersApi from "@openai-containers/testing/FakeContainersApi"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { TestClock } from "effect/testing"
import { ContainerFiles, Containers, ContainersClient, Upload } from "../src/index.js"

const requestId = /^req_[0-9a-f]{32}$/

const key = "sk-core-client"
const Fake = FakeContainersApi.FakeContainersApi
const client = (fake: FakeContainersApi.Options = {}, options: ContainersClient.Options = {}) =>
  ContainersClient.layer({ apiKey: Redacted.make(key), baseUrl: FakeContainersApi.baseUrl, ...options }).pipe(
    Layer.provideMerge(FakeContainersApi.layerClient({ apiKey: key, ...fake })),
  )

const expired = {
  message: "Container is expired.",
  type: "invalid_request_error",
  param: null,
  code: null,
}

describe("@openai-containers/core against the fake", () => {
  it.effect("an expired container: retrieve says expired, file operations fail with BadRequestError", () =>
    Effect.gen(function* () {
      const container = yield* Containers.create({
        name: "short",
        expires_after: { anchor: "last_active_at", minutes: 1 },
      })
      const file = yield* ContainerFiles.create(container.id, {
        file: Upload.fromBytes("a.txt", new Uint8Array([1])),
      })
      yield* TestClock.adjust("1 minute")
      const found = yield* Containers.retrieve(container.id)
      expect(found).toMatchObject({ id: container.id, status: "expired", last_active_at: 0 })

      const upload = yield* Effect.flip(
        ContainerFiles.create(container.id, { file: Upload.fromBytes("b.txt", new Uint8Array([2])) }),
      )
      expect(upload._tag).toBe("BadRequestError")
      expect(upload).toMatchObject({
        status: 400,
        method: "POST",
        error: expired,
        requestId: expect.stringMatching(requestId),
      })
      expect(upload.message).toContain("400 Container is expired. (POST ")
      const failures = [
        yield* Effect.flip(ContainerFiles.list(container.id)),
        yield* Effect.flip(ContainerFiles.retrieve(container.id, file.id)),
        yield* Effect.flip(ContainerFiles.contentBytes(container.id, file.id)),
        yield* Effect.flip(ContainerFiles.delete(container.id, file.id)),
      ]
      expect(failures.map((e) => [e._tag, "error" in e ? e.error : undefined])).toEqual(
        Array.from({ length: 4 }, () => ["BadRequestError", expired]),
      )
      // A 400 is not retried: one request each.
      const fake = yield* Fake
      expect((yield* fake.requests).filter((r) => r.status === 400).length).toBe(5)
      expect(yield* Containers.delete(container.id)).toMatchObject({ id: container.id, deleted: true })
    }).pipe(Effect.provide(client())),
  )

  it.effect("expireContainer expires at once for the client too", () =>
    Effect.gen(function* () {
      const fake = yield* Fake
      const container = yield* fake.createContainer({ name: "now" })
      yield* fake.expireContainer(container.id)
      expect((yield* Containers.retrieve(container.id)).status).toBe("expired")
      const error = yield* Effect.flip(ContainerFiles.list(container.id))
      expect(error).toMatchObject({ _tag: "BadRequestError", status: 400, error: expired })
    }).pipe(Effect.provide(client())),
  )

  it.effect("last_active_at follows the client's requests", () =>
    Effect.gen(function* () {
      const container = yield* Containers.create({ name: "busy" })
      yield* TestClock.adjust("5 minutes")
      yield* ContainerFiles.list(container.id)
      yield* TestClock.adjust("5 minutes")
      const found = yield* Containers.retrieve(container.id)
      expect([found.created_at, found.last_active_at, found.status]).toEqual([0, 600, "running"])
    }).pipe(Effect.provide(client())),
  )

  it.effect("a request over the budget is retried after exactly the wait the fake asked for", () =>
    Effect.gen(function* () {
      yield* Containers.list()
      const fiber = yield* Effect.forkChild(Containers.list())
      // 1 request per 30 s: the second asks `retry-after-ms: 30000`, and the client waits that long.
      yield* TestClock.adjust(29_999)
      expect(fiber.pollUnsafe()).toBeUndefined()
      yield* TestClock.adjust(1)
      expect((yield* Fiber.join(fiber)).data).toEqual([])
      const fake = yield* Fake
      expect((yield* fake.requests).map((r) => r.status)).toEqual([200, 429, 200])
    }).pipe(Effect.provide(client({ rateLimit: { requests: 1, per: "30 seconds" } }))),
  )

  it.effect("without retries the 429 is a RateLimitError carrying the fake's headers", () =>
    Effect.gen(function* () {
      yield* Containers.list()
      const error = yield* Effect.flip(Containers.list())
      expect(error._tag).toBe("RateLimitError")
      expect(error).toMatchObject({
        status: 429,
        error: {
          message:
            "Rate limit reached for requests per 30s: Limit 1, Used 1, Requested 1. Please try again in 30s. Visit https://platform.openai.com/account/rate-limits to learn more.",
          type: "requests",
          param: null,
          code: "rate_limit_exceeded",
        },
        headers: {
          "retry-after": "30",
          "retry-after-ms": "30000",
          "x-ratelimit-limit-requests": "1",
          "x-ratelimit-remaining-requests": "0",
          "x-ratelimit-reset-requests": "30s",
          "openai-processing-ms": "0",
        },
      })
    }).pipe(Effect.provide(client({ rateLimit: { requests: 1, per: "30 seconds" } }, { maxRetries: 0 }))),
  )
})
