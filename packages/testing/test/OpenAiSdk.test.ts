/**
 * Fidelity: the official `openai` SDK, unmodified, against the fake's real HTTP server. Every
 * Containers and Container Files call the SDK has must work and return exactly what the API would.
 */
import { createHash } from "node:crypto"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import OpenAI, { toFile } from "openai"
import { FakeContainersApi } from "../src/FakeContainersApi.js"
import * as FakeContainersServer from "../src/FakeContainersServer.js"
import { formatDuration } from "../src/internal/budget.js"
import { containerId, fileId, requestId } from "./utils.js"

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

describe("the official openai SDK against the fake server", () => {
  layer(FakeContainersServer.layer({ apiKey }), { excludeTestServices: true })((it) => {
    it.effect("containers: create, retrieve, list, delete", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const fake = yield* FakeContainersApi
        yield* fake.reset
        const before = Math.floor(Date.now() / 1000)
        const created = yield* promise(() =>
          client.containers.create({
            name: "My Container",
            memory_limit: "4g",
            expires_after: { anchor: "last_active_at", minutes: 10 },
            network_policy: { type: "allowlist", allowed_domains: ["api.buildkite.com"] },
          }),
        )
        expect(created).toEqual({
          id: expect.stringMatching(containerId),
          object: "container",
          name: "My Container",
          created_at: expect.any(Number),
          status: "running",
          last_active_at: created.created_at,
          expires_after: { anchor: "last_active_at", minutes: 10 },
          memory_limit: "4g",
          network_policy: { type: "allowlist", allowed_domains: ["api.buildkite.com"] },
        })
        expect(created.created_at).toBeGreaterThanOrEqual(before)
        expect(created.created_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))

        const plain = yield* promise(() =>
          client.containers.create({
            name: "plain",
            network_policy: { type: "disabled" },
            skills: [{ type: "skill_reference", skill_id: "openai-spreadsheets", version: "latest" }],
          }),
        )
        expect(plain).toMatchObject({
          memory_limit: "1g",
          expires_after: { anchor: "last_active_at", minutes: 20 },
        })

        // Retrieving is activity: last_active_at moves to this second (listing does not move it).
        const retrieved = yield* promise(() => client.containers.retrieve(created.id))
        expect(retrieved).toEqual({ ...created, last_active_at: expect.any(Number) })
        expect(retrieved.last_active_at).toBeGreaterThanOrEqual(created.created_at)
        expect(retrieved.last_active_at).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))

        const listed = yield* promise(() => collect(client.containers.list()))
        expect(listed).toEqual([plain, retrieved])
        const asc = yield* promise(() => collect(client.containers.list({ order: "asc", limit: 1 })))
        expect(asc).toEqual([retrieved, plain])
        const page = yield* promise(() => client.containers.list({ limit: 1 }))
        expect(page.data).toEqual([plain])
        expect(page.has_more).toBe(true)
        const byName = yield* promise(() => collect(client.containers.list({ name: "plain" })))
        expect(byName).toEqual([plain])

        // The SDK types delete as `void`, but at run time it hands back the body the API sends.
        expect(yield* promise(() => client.containers.delete(created.id))).toEqual({
          id: created.id,
          object: "container.deleted",
          deleted: true,
        })
        const gone = yield* rejection(() => client.containers.retrieve(created.id))
        expect(gone).toBeInstanceOf(OpenAI.NotFoundError)
        const notFound = gone as InstanceType<typeof OpenAI.NotFoundError>
        expect(notFound.status).toBe(404)
        expect(notFound.error).toEqual({
          message: `No container found with id '${created.id}'.`,
          type: "invalid_request_error",
          param: null,
          code: null,
        })
        expect(notFound.requestID).toMatch(requestId)
      }),
    )

    it.effect("container files: multipart upload, file_id, retrieve, list, content, delete", () =>
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
        expect(uploaded).toEqual({
          id: expect.stringMatching(fileId),
          object: "container.file",
          created_at: expect.any(Number),
          bytes: 70_000,
          container_id: container.id,
          path: "/mnt/data/data.bin",
          source: "user",
        })
        const log = yield* fake.requests
        expect(log.at(-1)?.fileSha256).toBe(createHash("sha256").update(bytes).digest("hex"))

        const byId = yield* promise(() =>
          client.containers.files.create(container.id, { file_id: "file-seeded" }),
        )
        expect(byId).toMatchObject({
          bytes: seeded.length,
          path: "/mnt/data/seeded.csv",
          container_id: container.id,
        })

        const retrieved = yield* promise(() =>
          client.containers.files.retrieve(uploaded.id, { container_id: container.id }),
        )
        expect(retrieved).toEqual(uploaded)

        const files = yield* promise(() => collect(client.containers.files.list(container.id)))
        expect(files.map((f) => f.id)).toEqual([byId.id, uploaded.id, expect.stringMatching(fileId)])
        expect(files[2]).toMatchObject({ path: "/mnt/data/seeded.csv", bytes: seeded.length })

        const content = yield* promise(() =>
          client.containers.files.content.retrieve(uploaded.id, { container_id: container.id }),
        )
        expect(content.status).toBe(200)
        expect(content.headers.get("content-length")).toBe("70000")
        const downloaded = Buffer.from(yield* promise(() => content.arrayBuffer()))
        expect(downloaded.equals(bytes)).toBe(true)

        expect(
          yield* promise(() => client.containers.files.delete(uploaded.id, { container_id: container.id })),
        ).toEqual({ id: uploaded.id, object: "container.file.deleted", deleted: true })
        const gone = yield* rejection(() =>
          client.containers.files.retrieve(uploaded.id, { container_id: container.id }),
        )
        expect(gone).toBeInstanceOf(OpenAI.NotFoundError)
        const missingFileId = yield* rejection(() =>
          client.containers.files.create(container.id, { file_id: "file-missing" }),
        )
        expect(missingFileId).toBeInstanceOf(OpenAI.NotFoundError)
      }),
    )

    it.effect("auto-pagination over 250 files with limit 100, both orders", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const fake = yield* FakeContainersApi
        yield* fake.reset
        const container = yield* promise(() => client.containers.create({ name: "many" }))
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
        expect(asc.map((f) => f.path)).toEqual(ids.map((_, i) => `/mnt/data/f${i}.txt`))
        const desc = yield* promise(() =>
          collect(client.containers.files.list(container.id, { limit: 100, order: "desc" })),
        )
        expect(desc.map((f) => f.id)).toEqual([...ids].reverse())
        const pages = (yield* fake.requests).map((r) => r.query)
        expect(pages).toEqual([
          { limit: "100", order: "asc" },
          { limit: "100", order: "asc", after: ids[99] },
          { limit: "100", order: "asc", after: ids[199] },
          { limit: "100", order: "desc" },
          { limit: "100", order: "desc", after: ids[150] },
          { limit: "100", order: "desc", after: ids[50] },
        ])
      }),
    )

    it.effect("errors arrive as the SDK's typed errors", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const badLimit = yield* rejection(() => client.containers.list({ limit: 101 }))
        expect(badLimit).toBeInstanceOf(OpenAI.BadRequestError)
        expect((badLimit as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("limit")
        const wrongKey = new OpenAI({ apiKey: "sk-wrong", baseURL: client.baseURL, maxRetries: 0 })
        const unauthorized = yield* rejection(() => wrongKey.containers.list())
        expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError)
        expect((unauthorized as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key")
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

    it.effect("JSON arrives gzipped with the API's headers; downloads arrive as stored", () =>
      Effect.gen(function* () {
        const client = yield* sdk
        const fake = yield* FakeContainersApi
        yield* fake.reset
        const container = yield* promise(() => client.containers.create({ name: "headers" }))
        const { data, response } = yield* promise(() =>
          client.containers.retrieve(container.id).withResponse(),
        )
        expect(data).toEqual({ ...container, last_active_at: expect.any(Number) })
        // fetch decodes the body and keeps the header, so the SDK saw a gzipped response.
        expect(response.headers.get("content-encoding")).toBe("gzip")
        expect((yield* fake.requests).at(-1)?.headers["accept-encoding"]).toContain("gzip")
        expect(response.headers.get("x-request-id")).toMatch(requestId)
        expect(response.headers.get("openai-processing-ms")).toMatch(/^\d+$/)
        expect(response.headers.get("x-ratelimit-limit-requests")).toBe("10000000")
        // The default budget drains in microseconds: on the real clock, a request or two spent.
        expect(Number(response.headers.get("x-ratelimit-remaining-requests"))).toBeGreaterThanOrEqual(
          9_999_998,
        )
        expect(response.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+ms$|^0s$/)

        const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 256))
        const file = yield* fake.addFile(container.id, { filename: "a.bin", bytes })
        const content = yield* promise(() =>
          client.containers.files.content.retrieve(file.id, { container_id: container.id }),
        )
        expect(content.headers.get("content-encoding")).toBeNull()
        expect(content.headers.get("content-length")).toBe("10000")
        expect(Buffer.from(yield* promise(() => content.arrayBuffer())).equals(bytes)).toBe(true)
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
