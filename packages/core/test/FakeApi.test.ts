/**
 * Core against the fake Containers API, in-process: the whole lifecycle, and each fault the
 * fake can inject reaching the client as the right error or a successful retry.
 */
import { describe, expect, it } from "@effect/vitest"
import { FakeContainersApi } from "@openai-containers/testing"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ContainerFiles, Containers, ContainersClient, Upload } from "../src/index.js"

const key = "sk-fake-core-tests"
const layer = (options: ContainersClient.Options = {}) =>
  ContainersClient.layer({ apiKey: Redacted.make(key), baseUrl: FakeContainersApi.baseUrl, ...options }).pipe(
    Layer.provideMerge(FakeContainersApi.layerClient({ apiKey: key })),
  )

/** Runs `effect` while moving the TestClock on, as a real clock would. */
const withClock = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 600; i++) {
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) break
      yield* TestClock.adjust("250 millis")
    }
    return yield* Fiber.join(fiber)
  })

const fake = FakeContainersApi.FakeContainersApi
const bytesOf = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256)

const setup = (files: number) =>
  Effect.gen(function* () {
    const api = yield* fake
    const container = yield* Effect.orDie(api.createContainer({ name: "fixture" }))
    for (let i = 0; i < files; i++) {
      yield* Effect.orDie(api.addFile(container.id, { filename: `f${i}.txt`, bytes: bytesOf(i + 1, i) }))
    }
    const expected = (yield* api.files(container.id)).map((f) => f.id)
    return { api, container, expected }
  })

describe("against the fake API", () => {
  it.effect("the whole lifecycle", () =>
    Effect.gen(function* () {
      const container = yield* Containers.create({ name: "life", memory_limit: "4g" })
      expect(container).toMatchObject({
        name: "life",
        memory_limit: "4g",
        object: "container",
        status: "running",
      })
      expect(container.id).toMatch(/^cntr_[0-9a-f]{48}$/)
      const payload = bytesOf(100_000)
      const up = yield* ContainerFiles.create(container.id, { file: Upload.fromBytes("big.bin", payload) })
      expect(up).toMatchObject({ bytes: 100_000, path: "/mnt/data/big.bin", container_id: container.id })
      const fromBlob = yield* ContainerFiles.create(container.id, {
        file: Upload.fromBlob(new Blob(["csv"]), "a.csv"),
      })
      const fromStream = yield* ContainerFiles.create(container.id, {
        file: Upload.fromStream("s.txt", Stream.make(new Uint8Array([1, 2]), new Uint8Array([3]))),
      })
      const api = yield* fake
      const seeded = yield* api.addOpenAiFile({ filename: "seed.txt", bytes: new Uint8Array([9, 9]) })
      const copied = yield* ContainerFiles.create(container.id, { fileId: seeded.id })
      expect(copied).toMatchObject({ bytes: 2, path: "/mnt/data/seed.txt" })
      const listed = yield* Stream.runCollect(ContainerFiles.stream(container.id, { order: "asc", limit: 2 }))
      expect(Chunk.toReadonlyArray(listed).map((f) => f.id)).toEqual([
        up.id,
        fromBlob.id,
        fromStream.id,
        copied.id,
      ])
      expect(yield* ContainerFiles.contentBytes(container.id, up.id)).toEqual(payload)
      expect(yield* ContainerFiles.contentBytes(container.id, fromStream.id)).toEqual(
        new Uint8Array([1, 2, 3]),
      )
      expect(yield* ContainerFiles.retrieve(container.id, up.id)).toEqual(up)
      expect(yield* ContainerFiles.delete(container.id, up.id)).toMatchObject({ id: up.id, deleted: true })
      expect((yield* Effect.flip(ContainerFiles.retrieve(container.id, up.id)))._tag).toBe("NotFoundError")
      expect(yield* Containers.delete(container.id)).toMatchObject({
        object: "container.deleted",
        deleted: true,
      })
      expect((yield* Effect.flip(Containers.retrieve(container.id)))._tag).toBe("NotFoundError")
    }).pipe(Effect.provide(layer())),
  )

  it.effect("a wrong key is an AuthenticationError with the fake's request id", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Containers.list().pipe(ContainersClient.withOptions({ apiKey: Redacted.make("sk-wrong") })),
      )
      expect(error._tag).toBe("AuthenticationError")
      expect(error).toMatchObject({ status: 401, requestId: expect.stringMatching(/^req_/) })
    }).pipe(Effect.provide(layer())),
  )

  it.effect("250 files stream exactly once in both orders", () =>
    Effect.gen(function* () {
      const { container, expected } = yield* setup(250)
      const asc = yield* Stream.runCollect(ContainerFiles.stream(container.id, { order: "asc", limit: 100 }))
      expect(Chunk.toReadonlyArray(asc).map((f) => f.id)).toEqual(expected)
      const desc = yield* Stream.runCollect(ContainerFiles.stream(container.id, { limit: 100 }))
      expect(Chunk.toReadonlyArray(desc).map((f) => f.id)).toEqual([...expected].reverse())
    }).pipe(Effect.provide(layer())),
  )

  it.effect("30% seeded 503s and 429s while listing: every file once, in order", () =>
    Effect.gen(function* () {
      const { api, container, expected } = yield* setup(300)
      yield* api.injectFault({
        match: { method: "GET" },
        fraction: 0.2,
        seed: 7,
        fault: { _tag: "Status", status: 503 },
      })
      yield* api.injectFault({
        match: { method: "GET" },
        fraction: 0.1,
        seed: 8,
        fault: { _tag: "Status", status: 429, headers: { "retry-after-ms": "200" } },
      })
      const files = yield* withClock(
        Stream.runCollect(ContainerFiles.stream(container.id, { order: "asc", limit: 10 })).pipe(
          ContainersClient.withOptions({ maxRetries: 10 }),
        ),
      )
      expect(Chunk.toReadonlyArray(files).map((f) => f.id)).toEqual(expected)
      const statuses = (yield* api.requests).map((r) => r.status)
      expect(statuses.filter((s) => s === 503 || s === 429).length).toBeGreaterThan(0)
      expect(statuses.filter((s) => s === 200).length).toBe(30)
    }).pipe(Effect.provide(layer())),
  )

  it.effect("Status 400 fault: BadRequestError after one attempt, with the API's message", () =>
    Effect.gen(function* () {
      const { api, container } = yield* setup(1)
      yield* api.injectFault({ fault: { _tag: "Status", status: 400 } })
      const error = yield* Effect.flip(ContainerFiles.list(container.id))
      expect(error._tag).toBe("BadRequestError")
      expect("error" in error && error.error?.type).toBe("invalid_request_error")
      expect((yield* api.requests).filter((r) => r.path.endsWith("/files"))).toHaveLength(1)
    }).pipe(Effect.provide(layer())),
  )

  it.effect("ResetMidBody on a JSON call: a ConnectionError, retried to success", () =>
    Effect.gen(function* () {
      const { api, container, expected } = yield* setup(3)
      yield* api.injectFault({ match: { method: "GET" }, fault: { _tag: "ResetMidBody", afterBytes: 10 } })
      const page = yield* withClock(ContainerFiles.list(container.id, { order: "asc" }))
      expect(page.data.map((f) => f.id)).toEqual(expected)
      expect((yield* api.requests).map((r) => r.fault)).toEqual(["ResetMidBody", undefined])
    }).pipe(Effect.provide(layer())),
  )

  it.effect("ResetMidBody on content: the stream fails with ConnectionError after the bytes before it", () =>
    Effect.gen(function* () {
      const { api, container } = yield* setup(0)
      const file = yield* Effect.orDie(api.addFile(container.id, { filename: "x.bin", bytes: bytesOf(5000) }))
      yield* api.injectFault({
        match: { path: /\/content$/ },
        fault: { _tag: "ResetMidBody", afterBytes: 1000 },
      })
      let received = 0
      const error = yield* Effect.flip(
        Stream.runForEach(ContainerFiles.content(container.id, file.id), (chunk) =>
          Effect.sync(() => {
            received += chunk.length
          }),
        ),
      )
      expect(error._tag).toBe("ConnectionError")
      expect(received).toBeLessThanOrEqual(1000)
    }).pipe(Effect.provide(layer())),
  )

  it.effect("TruncatedBody and MalformedJson on a GET: retried to success", () =>
    Effect.gen(function* () {
      const { api, container } = yield* setup(1)
      yield* api.injectFault({ match: { method: "GET" }, fault: { _tag: "TruncatedBody" } })
      yield* api.injectFault({ match: { method: "GET" }, fault: { _tag: "MalformedJson" } })
      const found = yield* withClock(Containers.retrieve(container.id))
      expect(found.id).toBe(container.id)
      expect((yield* api.requests).map((r) => r.fault)).toEqual(["TruncatedBody", "MalformedJson", undefined])
    }).pipe(Effect.provide(layer())),
  )

  it.effect("MalformedJson on a POST: a ResponseDecodeError, not retried", () =>
    Effect.gen(function* () {
      const api = yield* fake
      yield* api.injectFault({ match: { method: "POST" }, fault: { _tag: "MalformedJson" } })
      const error = yield* Effect.flip(Containers.create({ name: "x" }))
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", reason: "MalformedJson", status: 200 })
      expect(yield* api.requests).toHaveLength(1)
    }).pipe(Effect.provide(layer())),
  )

  it.effect("Stall: a TimeoutError per attempt, then success on the retry", () =>
    Effect.gen(function* () {
      const { api, container } = yield* setup(1)
      yield* api.injectFault({ match: { method: "GET" }, fault: { _tag: "Stall" } })
      const found = yield* withClock(
        Containers.retrieve(container.id).pipe(ContainersClient.withOptions({ timeout: "2 seconds" })),
      )
      expect(found.id).toBe(container.id)
      const error = yield* api
        .injectFault({ match: { method: "GET" }, times: 3, fault: { _tag: "Stall" } })
        .pipe(
          Effect.zipRight(
            withClock(
              Effect.flip(
                Containers.retrieve(container.id).pipe(
                  ContainersClient.withOptions({ timeout: "2 seconds" }),
                ),
              ),
            ),
          ),
        )
      expect(error).toMatchObject({ _tag: "TimeoutError", phase: "response" })
    }).pipe(Effect.provide(layer())),
  )

  it.effect("Stall mid-body on content: an idle TimeoutError", () =>
    Effect.gen(function* () {
      const { api, container } = yield* setup(0)
      const file = yield* Effect.orDie(api.addFile(container.id, { filename: "x.bin", bytes: bytesOf(5000) }))
      yield* api.injectFault({ match: { path: /\/content$/ }, fault: { _tag: "Stall", afterBytes: 100 } })
      const error = yield* withClock(
        Effect.flip(
          Stream.runDrain(ContainerFiles.content(container.id, file.id)).pipe(
            ContainersClient.withOptions({ timeout: "5 seconds" }),
          ),
        ),
      )
      expect(error).toMatchObject({ _tag: "TimeoutError", phase: "idle" })
    }).pipe(Effect.provide(layer())),
  )

  it.effect("Latency: answered after the delay", () =>
    Effect.gen(function* () {
      const { api, container } = yield* setup(1)
      yield* api.injectFault({ fault: { _tag: "Latency", millis: 3000 } })
      const fiber = yield* Effect.fork(Containers.retrieve(container.id))
      yield* TestClock.adjust("2999 millis")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(fiber)).id).toBe(container.id)
    }).pipe(Effect.provide(layer())),
  )

  it.effect("a retried Blob upload delivers the same bytes (hash checked by the fake)", () =>
    Effect.gen(function* () {
      const { api, container } = yield* setup(0)
      const payload = bytesOf(64_000, 5)
      yield* api.injectFault({ match: { method: "POST" }, fault: { _tag: "Status", status: 500 } })
      const file = yield* withClock(
        ContainerFiles.create(container.id, { file: Upload.fromBlob(new Blob([payload]), "p.bin") }),
      )
      const hashes = (yield* api.requests).map((r) => r.fileSha256)
      const digest = new Uint8Array(yield* Effect.promise(() => crypto.subtle.digest("SHA-256", payload)))
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")
      expect(hashes.at(-1)).toBe(hex)
      expect(yield* api.fileBytes(container.id, file.id)).toEqual(Option.some(payload))
    }).pipe(Effect.provide(layer())),
  )
})
