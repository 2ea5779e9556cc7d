/**
 * Fidelity: the official `openai` SDK, unmodified, against the fake's real HTTP server. Every
 * Containers and Container Files call the SDK has must work and return exactly what the API would.
 */
import { createHash } from "node:crypto"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import OpenAI, { toFile } from "openai"
import { FakeContainersApi } from "../src/FakeContainersApi.js"
import * as FakeContainersServer from "../src/FakeContainersServer.js"
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

        expect(yield* promise(() => client.containers.retrieve(created.id))).toEqual(created)

        const listed = yield* promise(() => collect(client.containers.list()))
        expect(listed).toEqual([plain, created])
        const asc = yield* promise(() => collect(client.containers.list({ order: "asc", limit: 1 })))
        expect(asc).toEqual([created, plain])
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
