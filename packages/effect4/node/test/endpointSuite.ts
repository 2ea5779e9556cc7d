/**
 * One endpoint suite for every HTTP layer: each layer test file calls `endpointSuite` with a
 * function that builds its `ContainersClient` layer, and the suite runs it against the fake
 * API's real HTTP server on loopback.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  ContainerFiles,
  Containers,
  type ContainersClient,
  type ContainersError,
  Upload,
} from "@openai-containers/core"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"

export const apiKey = "sk-test-endpoint-suite"

/** Bytes 0..255 repeated: every byte value, so a text decode anywhere would show. */
export const binary = (size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => i % 256)

/**
 * Exact bytes, compared natively: vitest's deep equality walks a large array element by
 * element, which takes seconds per megabyte.
 */
export const expectBytes = (actual: Uint8Array, expected: Uint8Array): void => {
  expect(actual.byteLength).toBe(expected.byteLength)
  expect(Buffer.compare(actual, expected)).toBe(0)
}

export type MakeLayer = (
  options: ContainersClient.Options,
) => Layer.Layer<ContainersClient.ContainersClient, ContainersError.ContainersError>

/** The client under test, pointed at the running fake with the right key. */
export const withClient =
  (makeLayer: MakeLayer, options: ContainersClient.Options = {}) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.flatMap(FakeContainersServer.baseUrl, (baseUrl) =>
      Effect.provide(self, makeLayer({ baseUrl, apiKey: Redacted.make(apiKey), maxRetries: 0, ...options })),
    )

export const newContainer = Effect.flatMap(FakeContainersApi.FakeContainersApi, (api) =>
  api.createContainer({ name: "suite" }),
)

export const endpointSuite = (name: string, makeLayer: MakeLayer) =>
  describe(`${name} against the fake API over HTTP`, () => {
    it.layer(FakeContainersServer.layer({ apiKey }))((it) => {
      const client = withClient(makeLayer)

      it.effect("creates, retrieves, lists and deletes a container", () =>
        Effect.gen(function* () {
          const created = yield* Containers.create({ name: "made-over-http" })
          expect(created.name).toBe("made-over-http")
          const retrieved = yield* Containers.retrieve(created.id)
          expect(retrieved.id).toBe(created.id)
          const listed = yield* Stream.runCollect(Containers.stream({ limit: 1 }))
          expect(listed.map((c) => c.id)).toContain(created.id)
          const deleted = yield* Containers.delete(created.id)
          expect({ id: deleted.id, deleted: deleted.deleted }).toEqual({ id: created.id, deleted: true })
          const gone = yield* Effect.flip(Containers.retrieve(created.id))
          expect(gone._tag).toBe("NotFoundError")
        }).pipe(client),
      )

      it.effect("uploads bytes (a FormData body) and the fake stores exactly them", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          const bytes = binary(70_000)
          const file = yield* ContainerFiles.create(container.id, {
            file: Upload.fromBytes("data.bin", bytes),
          })
          expect(file.bytes).toBe(bytes.byteLength)
          expect(file.path).toBe("/mnt/data/data.bin")
          const stored = yield* api.fileBytes(container.id, file.id)
          expectBytes(Option.getOrThrow(stored), bytes)
        }).pipe(client),
      )

      it.effect("uploads a Blob", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          const csv = `a,b\n${"1,2\n".repeat(20_000)}`
          const blob = new Blob([csv], { type: "text/csv" })
          const file = yield* ContainerFiles.create(container.id, { file: Upload.fromBlob(blob, "t.csv") })
          const stored = yield* api.fileBytes(container.id, file.id)
          expect(new TextDecoder().decode(Option.getOrThrow(stored))).toBe(csv)
        }).pipe(client),
      )

      it.effect("uploads a small Blob (under 64 KiB)", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          const blob = new Blob(["a,b\n1,2\n"], { type: "text/csv" })
          const file = yield* ContainerFiles.create(container.id, { file: Upload.fromBlob(blob, "s.csv") })
          expect(file.bytes).toBe(8)
          const stored = yield* api.fileBytes(container.id, file.id)
          expect(new TextDecoder().decode(Option.getOrThrow(stored))).toBe("a,b\n1,2\n")
        }).pipe(client),
      )

      it.effect("uploads a stream, with and without a known size", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          const bytes = binary(200_000)
          const chunks = () => Stream.fromIterable([bytes.subarray(0, 1000), bytes.subarray(1000)])
          const sized = yield* ContainerFiles.create(container.id, {
            file: Upload.fromStream("sized.bin", chunks(), { size: bytes.byteLength }),
          })
          const unsized = yield* ContainerFiles.create(container.id, {
            file: Upload.fromStream("unsized.bin", chunks()),
          })
          for (const file of [sized, unsized]) {
            expectBytes(Option.getOrThrow(yield* api.fileBytes(container.id, file.id)), bytes)
          }
        }).pipe(client),
      )

      it.effect("streams every file across pages exactly once, in order", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          const ids: Array<string> = []
          for (let i = 0; i < 23; i++) {
            const file = yield* api.addFile(container.id, { filename: `f${i}.txt`, bytes: binary(i) })
            ids.push(file.id)
          }
          const listed = yield* Stream.runCollect(
            ContainerFiles.stream(container.id, { limit: 5, order: "asc" }),
          )
          expect(listed.map((f) => f.id)).toEqual(ids)
          const page = yield* ContainerFiles.list(container.id, { limit: 5, order: "desc" })
          expect(page.data.map((f) => f.id)).toEqual(ids.slice(-5).reverse())
          expect(page.has_more).toBe(true)
        }).pipe(client),
      )

      it.effect("retrieves, downloads exact bytes and deletes a file", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          const bytes = binary(300_000)
          const added = yield* api.addFile(container.id, { filename: "blob.bin", bytes })
          const retrieved = yield* ContainerFiles.retrieve(container.id, added.id)
          expect(retrieved.bytes).toBe(bytes.byteLength)
          expectBytes(yield* ContainerFiles.contentBytes(container.id, added.id), bytes)
          const deleted = yield* ContainerFiles.delete(container.id, added.id)
          expect({ id: deleted.id, deleted: deleted.deleted }).toEqual({ id: added.id, deleted: true })
          const gone = yield* Effect.flip(ContainerFiles.retrieve(container.id, added.id))
          expect(gone._tag).toBe("NotFoundError")
        }).pipe(client),
      )

      it.effect("sends the bearer key; a wrong key is an AuthenticationError", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          yield* api.clearRequests
          const container = yield* newContainer
          yield* ContainerFiles.list(container.id).pipe(client)
          const [sent] = yield* api.requests
          expect(sent?.headers.authorization).toBe(`Bearer ${apiKey}`)
          const error = yield* Effect.flip(
            ContainerFiles.list(container.id).pipe(
              withClient(makeLayer, { apiKey: Redacted.make("sk-wrong") }),
            ),
          )
          expect(error._tag).toBe("AuthenticationError")
          expect(error.message).not.toContain("sk-wrong")
        }),
      )

      it.effect("retries a 500 and then succeeds, with one more request and nothing repeated", () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          yield* api.clearRequests
          yield* api.injectFault({ match: { method: "POST" }, fault: { _tag: "Status", status: 500 } })
          const bytes = binary(100_000)
          const file = yield* ContainerFiles.create(container.id, {
            file: Upload.fromBytes("r.bin", bytes),
          }).pipe(withClient(makeLayer, { maxRetries: 1, retrySchedule: Schedule.forever }))
          expect((yield* api.requests).map((r) => r.status)).toEqual([500, 200])
          expect((yield* api.files(container.id)).map((f) => f.id)).toEqual([file.id])
          expectBytes(Option.getOrThrow(yield* api.fileBytes(container.id, file.id)), bytes)
        }),
      )
    })
  })
