/**
 * Fidelity, the part that needs the fake's controls: the official `openai` SDK, unmodified,
 * against this line's real HTTP server, with files seeded in the Files API, the request log,
 * expiry, a request budget and gzipped downloads. What talks only HTTP is in the suite shared by
 * both lines (`packages/testing/test/http/sdkSuite.ts`, run by `OpenAiSdk.http.test.ts`).
 */
import { createHash } from "node:crypto"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import OpenAI, { toFile } from "openai"
import { FakeContainersApi } from "../src/FakeContainersApi.js"
import * as FakeContainersServer from "../src/FakeContainersServer.js"
import { formatDuration } from "../src/internal/budget.js"
import { fileId, requestId } from "./utils.js"

const apiKey = "sk-sdk-test"

const sdk = Effect.map(
  FakeContainersServer.baseUrl,
  (baseURL) => new OpenAI({ apiKey, baseURL, maxRetries: 0 }),
)

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** The rejection of an SDK call (it must reject). */
const rejection = (f: () => Promise<unknown>) =>
  Effect.promise(() =>
    f().then(
      () => {
        throw new Error("expected the call to fail")
      },
      (error: unknown) => error,
    ),
  )

const collect = async <A>(iterable: AsyncIterable<A>): Promise<Array<A>> => {
  const out: Array<A> = []
  for await (const item of iterable) out.push(item)
  return out
}

describe("the official openai SDK against the fake server, seen from its controls", () => {
  layer(FakeContainersServer.layer({ apiKey }), { excludeTestServices: true })((it) => {
    it.effect("file_ids and file_id copy seeded files; an upload is stored byte for byte", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const fake = yield* FakeContainersApi
        yield* fake.reset
        const seeded = new TextEncoder().encode("a,b\n1,2\n")
        yield* fake.addOpenAiFile({ id: "file-seeded", filename: "seeded.csv", bytes: seeded })
        const container = yield* promise(() =>
          client.containers.create({ name: "files", file_ids: ["file-seeded"] }),
        )

        const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256))
        const uploaded = yield* promise(async () =>
          client.containers.files.create(container.id, { file: await toFile(bytes, "data.bin") }),
        )
        const log = yield* fake.requests
        expect(log.at(-1)?.fileSha256).toBe(createHash("sha256").update(bytes).digest("hex"))
        expect(yield* fake.fileBytes(container.id, uploaded.id)).toEqual(Option.some(new Uint8Array(bytes)))

        const byId = yield* promise(() =>
          client.containers.files.create(container.id, { file_id: "file-seeded" }),
        )
        expect(byId).toMatchObject({
          bytes: seeded.length,
          path: "/mnt/data/seeded.csv",
          container_id: container.id,
        })
        const files = yield* promise(() => collect(client.containers.files.list(container.id)))
        expect(files.map((f) => f.id)).toEqual([byId.id, uploaded.id, expect.stringMatching(fileId)])
        expect(files[2]).toMatchObject({ path: "/mnt/data/seeded.csv", bytes: seeded.length })
      }),
    )

    it.effect("the SDK pages with the last item's id as `after`, and asks for gzip", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const fake = yield* FakeContainersApi
        yield* fake.reset
        const container = yield* fake.createContainer({ name: "many" })
        const ids: Array<string> = []
        for (let i = 0; i < 250; i++) {
          const file = yield* fake.addFile(container.id, {
            filename: `f${i}.txt`,
            bytes: new Uint8Array([i % 256]),
          })
          ids.push(file.id)
        }
        yield* fake.clearRequests
        const asc = yield* promise(() =>
          collect(client.containers.files.list(container.id, { limit: 100, order: "asc" })),
        )
        expect(asc.map((f) => f.id)).toEqual(ids)
        const desc = yield* promise(() =>
          collect(client.containers.files.list(container.id, { limit: 100, order: "desc" })),
        )
        expect(desc.map((f) => f.id)).toEqual([...ids].reverse())
        const requests = yield* fake.requests
        expect(requests.map((r) => r.query)).toEqual([
          { limit: "100", order: "asc" },
          { limit: "100", order: "asc", after: ids[99] },
          { limit: "100", order: "asc", after: ids[199] },
          { limit: "100", order: "desc" },
          { limit: "100", order: "desc", after: ids[150] },
          { limit: "100", order: "desc", after: ids[50] },
        ])
        expect(requests.at(-1)?.headers["accept-encoding"]).toContain("gzip")
      }),
    )
  })
})

describe("the real API's behaviours, as the SDK meets them", () => {
  layer(FakeContainersServer.layer({ apiKey }), { excludeTestServices: true })((it) => {
    it.effect("an expired container: retrieve says expired, file calls reject with BadRequestError", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const fake = yield* FakeContainersApi
        yield* fake.reset
        const container = yield* promise(() => client.containers.create({ name: "expiring" }))
        const expired = yield* fake.expireContainer(container.id)
        expect(expired.status).toBe("expired")
        const found = yield* promise(() => client.containers.retrieve(container.id))
        expect(found).toEqual({ ...container, status: "expired" })
        const listed = yield* promise(() => collect(client.containers.list()))
        expect(listed.map((c) => [c.id, c.status])).toEqual([[container.id, "expired"]])
        const calls: ReadonlyArray<() => Promise<unknown>> = [
          async () =>
            client.containers.files.create(container.id, { file: await toFile(Buffer.from("hi"), "a.txt") }),
          () => client.containers.files.list(container.id),
          () => client.containers.files.retrieve("cfile_x", { container_id: container.id }),
          () => client.containers.files.content.retrieve("cfile_x", { container_id: container.id }),
          () => client.containers.files.delete("cfile_x", { container_id: container.id }),
        ]
        for (const call of calls) {
          const error = yield* rejection(call)
          expect(error).toBeInstanceOf(OpenAI.BadRequestError)
          const bad = error as InstanceType<typeof OpenAI.BadRequestError>
          expect([bad.status, bad.error]).toEqual([
            400,
            { message: "Container is expired.", type: "invalid_request_error", param: null, code: null },
          ])
          expect(bad.requestID).toMatch(requestId)
        }
      }),
    )
  })

  layer(FakeContainersServer.layer({ apiKey, rateLimit: { requests: 1, per: "1 hour" } }), {
    excludeTestServices: true,
  })((it) => {
    it.effect("over the budget: RateLimitError with Retry-After, retry-after-ms and the budget headers", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const { response } = yield* promise(() => client.containers.list().withResponse())
        // Read when the one request was spent, so exact even on the real clock.
        expect([
          response.headers.get("x-ratelimit-limit-requests"),
          response.headers.get("x-ratelimit-remaining-requests"),
          response.headers.get("x-ratelimit-reset-requests"),
        ]).toEqual(["1", "0", "1h0m0s"])
        const error = yield* rejection(() => client.containers.list())
        expect(error).toBeInstanceOf(OpenAI.RateLimitError)
        const limited = error as InstanceType<typeof OpenAI.RateLimitError>
        expect(limited.status).toBe(429)
        // The wait is an hour less the real time since the first request.
        const waitMs = Number(limited.headers.get("retry-after-ms"))
        expect(waitMs).toBeGreaterThan(3_590_000)
        expect(waitMs).toBeLessThanOrEqual(3_600_000)
        expect(limited.headers.get("retry-after")).toBe(String(Math.ceil(waitMs / 1000)))
        expect(limited.headers.get("x-ratelimit-remaining-requests")).toBe("0")
        expect(limited.error).toEqual({
          message: `Rate limit reached for requests per 1h0m0s: Limit 1, Used 1, Requested 1. Please try again in ${formatDuration(waitMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          type: "requests",
          param: null,
          code: "rate_limit_exceeded",
        })
      }),
    )
  })

  layer(FakeContainersServer.layer({ apiKey, compressContent: true }), { excludeTestServices: true })(
    (it) => {
      it.effect("with compressContent the SDK's download is gzipped, and decoded for it", () =>
        Effect.gen(function* () {
          const client = yield* sdk
          const fake = yield* FakeContainersApi
          const container = yield* promise(() => client.containers.create({ name: "gz" }))
          const bytes = Buffer.from("a,b\n".repeat(5_000))
          const file = yield* promise(async () =>
            client.containers.files.create(container.id, { file: await toFile(bytes, "rows.csv") }),
          )
          const content = yield* promise(() =>
            client.containers.files.content.retrieve(file.id, { container_id: container.id }),
          )
          expect(content.headers.get("content-encoding")).toBe("gzip")
          expect(Buffer.from(yield* promise(() => content.arrayBuffer())).equals(bytes)).toBe(true)
          expect(yield* fake.fileBytes(container.id, file.id)).toEqual(Option.some(new Uint8Array(bytes)))
        }),
      )
    },
  )
})
