import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { FakeContainersApi } from "../src/FakeContainersApi.js"
import * as Fake from "../src/index.js"
import {
  apiKey,
  bytesOf,
  call,
  containerId,
  createContainer,
  errorBody,
  fake,
  fileId,
  requestId,
  sameBytes,
  send,
  upload,
} from "./utils.js"

const { get, post, del } = HttpClientRequest
const json = (body: unknown) => HttpClientRequest.bodyUnsafeJson(body)
const T0 = 1_747_844_794

describe("containers", () => {
  it.effect("create applies the spec's defaults and stamps times from the Clock", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0 * 1000 + 999)
      const res = yield* call(post("/containers").pipe(json({ name: "My Container" })))
      expect(res.status).toBe(200)
      expect(res.headers["x-request-id"]).toMatch(requestId)
      expect(res.body).toEqual({
        id: expect.stringMatching(containerId),
        object: "container",
        name: "My Container",
        created_at: T0,
        status: "running",
        last_active_at: T0,
        expires_after: { anchor: "last_active_at", minutes: 20 },
        memory_limit: "1g",
      })
    }).pipe(Effect.provide(fake)),
  )

  it.effect("create echoes memory_limit, expires_after and network_policy, never domain secrets", () =>
    Effect.gen(function* () {
      const res = yield* call(
        post("/containers").pipe(
          json({
            name: "c",
            memory_limit: "4g",
            expires_after: { anchor: "last_active_at", minutes: 5 },
            network_policy: {
              type: "allowlist",
              allowed_domains: ["api.buildkite.com"],
              domain_secrets: [{ domain: "api.buildkite.com", name: "TOKEN", value: "secret" }],
            },
            skills: [{ type: "skill_reference", skill_id: "openai-spreadsheets", version: "latest" }],
          }),
        ),
      )
      expect(res.body).toMatchObject({
        memory_limit: "4g",
        expires_after: { anchor: "last_active_at", minutes: 5 },
        network_policy: { type: "allowlist", allowed_domains: ["api.buildkite.com"] },
      })
      expect(JSON.stringify(res.body)).not.toContain("secret")
      const disabled = yield* call(
        post("/containers").pipe(json({ name: "d", network_policy: { type: "disabled" } })),
      )
      expect(disabled.body).toMatchObject({ network_policy: { type: "disabled" } })
    }).pipe(Effect.provide(fake)),
  )

  it.effect("create rejects bad bodies with the API's 400 body", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [HttpClientRequest.HttpClientRequest, unknown]> = [
        [
          post("/containers").pipe(json({})),
          errorBody("Missing required parameter: 'name'.", "name", "missing_required_parameter"),
        ],
        [
          post("/containers"),
          errorBody("Missing required parameter: 'name'.", "name", "missing_required_parameter"),
        ],
        [
          post("/containers").pipe(json({ name: 1 })),
          errorBody(
            "Invalid type for 'name': expected a string, but got an integer instead.",
            "name",
            "invalid_type",
          ),
        ],
        [
          post("/containers").pipe(json({ name: "x", memory_limit: "2g" })),
          errorBody(
            "Invalid value: \"2g\". Supported values are: '1g', '4g', '16g', '64g'.",
            "memory_limit",
            "invalid_value",
          ),
        ],
        [
          post("/containers").pipe(json({ name: "x", colour: "red" })),
          errorBody("Unrecognized request argument supplied: colour", "colour", "unknown_parameter"),
        ],
        [
          post("/containers").pipe(
            json({ name: "x", network_policy: { type: "allowlist", allowed_domains: [] } }),
          ),
          errorBody(
            "Invalid 'network_policy.allowed_domains': empty array. Expected an array with minimum length 1, but got an empty array instead.",
            "network_policy.allowed_domains",
            "empty_array",
          ),
        ],
        [
          post("/containers").pipe(json({ name: "x", expires_after: { anchor: "created_at", minutes: 1 } })),
          errorBody(
            "Invalid value: \"created_at\". Supported values are: 'last_active_at'.",
            "expires_after.anchor",
            "invalid_value",
          ),
        ],
        [
          post("/containers").pipe(HttpClientRequest.bodyText("{nope", "application/json")),
          errorBody(
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          ),
        ],
      ]
      for (const [request, body] of cases) {
        const res = yield* call(request)
        expect(res.status).toBe(400)
        expect(res.body).toEqual(body)
        expect(res.headers["x-request-id"]).toMatch(requestId)
      }
      const fake = yield* FakeContainersApi
      expect(yield* fake.containers).toEqual([])
    }).pipe(Effect.provide(fake)),
  )

  it.effect("create with file_ids copies seeded files; an unknown id is a 404", () =>
    Effect.gen(function* () {
      const fake = yield* FakeContainersApi
      const bytes = new TextEncoder().encode("col\n1\n")
      yield* fake.addOpenAiFile({ id: "file-abc", filename: "data.csv", bytes })
      const missing = yield* call(
        post("/containers").pipe(json({ name: "x", file_ids: ["file-abc", "file-nope"] })),
      )
      expect(missing.status).toBe(404)
      expect(missing.body).toEqual(errorBody("No such File object: file-nope", "file_ids"))
      expect(yield* fake.containers).toEqual([])

      const created = yield* createContainer({ name: "x", file_ids: ["file-abc"] })
      const files = yield* call(get(`/containers/${created.id}/files`))
      expect(files.body).toEqual({
        object: "list",
        data: [
          {
            id: expect.stringMatching(fileId),
            object: "container.file",
            created_at: 0,
            bytes: 6,
            container_id: created.id,
            path: "/mnt/data/data.csv",
            source: "user",
          },
        ],
        first_id: expect.stringMatching(fileId),
        last_id: expect.stringMatching(fileId),
        has_more: false,
      })
    }).pipe(Effect.provide(fake)),
  )

  it.effect("retrieve and delete; unknown ids are 404 with the error body", () =>
    Effect.gen(function* () {
      const created = yield* createContainer({ name: "x" })
      const got = yield* call(get(`/containers/${created.id}`))
      expect(got).toMatchObject({ status: 200, body: created })
      const deleted = yield* call(del(`/containers/${created.id}`))
      expect(deleted.status).toBe(200)
      expect(deleted.body).toEqual({ id: created.id, object: "container.deleted", deleted: true })
      for (const request of [get(`/containers/${created.id}`), del(`/containers/${created.id}`)]) {
        const res = yield* call(request)
        expect(res.status).toBe(404)
        expect(res.body).toEqual(errorBody(`No container found with id '${created.id}'.`))
        expect(res.headers["x-request-id"]).toMatch(requestId)
      }
      const files = yield* call(get(`/containers/${created.id}/files`))
      expect(files.status).toBe(404)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("unknown routes are 404 'Invalid URL', like the API", () =>
    Effect.gen(function* () {
      const res = yield* call(HttpClientRequest.put("/containers"))
      expect(res.status).toBe(404)
      expect(res.body).toEqual(errorBody("Invalid URL (PUT /v1/containers)"))
      const other = yield* call(get("/nope"))
      expect(other.body).toEqual(errorBody("Invalid URL (GET /v1/nope)"))
    }).pipe(Effect.provide(fake)),
  )
})

describe("pagination", () => {
  const seed = (n: number) =>
    Effect.gen(function* () {
      const fake = yield* FakeContainersApi
      const ids: Array<string> = []
      // All in the same second: order must still follow creation.
      for (let i = 0; i < n; i++)
        ids.push((yield* fake.createContainer({ name: i % 2 === 0 ? "even" : "odd" })).id)
      return ids
    })
  const page = (query: string) =>
    Effect.map(
      call(get(`/containers${query}`)),
      (r) => r.body as { data: Array<{ id: string }>; [k: string]: unknown },
    )

  it.effect("defaults: desc, 20 per page, has_more, first/last ids", () =>
    Effect.gen(function* () {
      const ids = yield* seed(25)
      const first = yield* page("")
      const expected = [...ids].reverse().slice(0, 20)
      expect(first.data.map((c) => c.id)).toEqual(expected)
      expect(first).toMatchObject({
        object: "list",
        first_id: expected[0],
        last_id: expected[19],
        has_more: true,
      })
      const second = yield* page(`?after=${first.last_id}`)
      expect(second.data.map((c) => c.id)).toEqual([...ids].reverse().slice(20))
      expect(second).toMatchObject({ first_id: ids[4], last_id: ids[0], has_more: false })
    }).pipe(Effect.provide(fake)),
  )

  it.effect("asc with limit walks every item once, exact page boundaries", () =>
    Effect.gen(function* () {
      const ids = yield* seed(7)
      const seen: Array<string> = []
      let after = ""
      const pages: Array<boolean> = []
      for (;;) {
        const p = yield* page(`?order=asc&limit=3${after}`)
        seen.push(...p.data.map((c) => c.id))
        pages.push(p.has_more as boolean)
        if (!p.has_more) break
        after = `&after=${p.last_id}`
      }
      expect(seen).toEqual(ids)
      expect(pages).toEqual([true, true, false])
      const exact = yield* page("?order=asc&limit=7")
      expect(exact.has_more).toBe(false)
      const last = yield* page(`?order=asc&after=${ids[6]}`)
      expect(last).toEqual({ object: "list", data: [], first_id: null, last_id: null, has_more: false })
    }).pipe(Effect.provide(fake)),
  )

  it.effect("limit bounds 1..100 and integer; order asc|desc; name filter", () =>
    Effect.gen(function* () {
      const ids = yield* seed(3)
      expect((yield* page("?limit=1")).data.map((c) => c.id)).toEqual([ids[2]])
      const bad = [
        [
          "?limit=0",
          errorBody(
            "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0 instead.",
            "limit",
            "integer_below_min_value",
          ),
        ],
        [
          "?limit=101",
          errorBody(
            "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead.",
            "limit",
            "integer_above_max_value",
          ),
        ],
        [
          "?limit=1.5",
          errorBody("Invalid 'limit': expected an integer, but got '1.5' instead.", "limit", "invalid_type"),
        ],
        [
          "?limit=abc",
          errorBody("Invalid 'limit': expected an integer, but got 'abc' instead.", "limit", "invalid_type"),
        ],
        [
          "?order=up",
          errorBody("Invalid value: \"up\". Supported values are: 'asc', 'desc'.", "order", "invalid_value"),
        ],
        [
          "?after=cntr_unknown",
          errorBody(
            "Invalid 'after': no object with id 'cntr_unknown' to page after.",
            "after",
            "invalid_value",
          ),
        ],
      ] as const
      for (const [query, body] of bad) {
        const res = yield* call(get(`/containers${query}`))
        expect(res.status).toBe(400)
        expect(res.body).toEqual(body)
      }
      expect((yield* page("?limit=100")).data.length).toBe(3)
      expect((yield* page("?name=even&order=asc")).data.map((c) => c.id)).toEqual([ids[0], ids[2]])
      expect((yield* page("?name=none")).data).toEqual([])
    }).pipe(Effect.provide(fake)),
  )

  it.effect("a cursor naming a deleted object still marks its place", () =>
    Effect.gen(function* () {
      const ids = yield* seed(4)
      yield* call(del(`/containers/${ids[1]}`))
      const rest = yield* page(`?order=asc&after=${ids[1]}`)
      expect(rest.data.map((c) => c.id)).toEqual([ids[2], ids[3]])
    }).pipe(Effect.provide(fake)),
  )
})

describe("files", () => {
  it.effect("multipart upload keeps the filename; content returns the exact bytes", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0 * 1000)
      const c = yield* createContainer({ name: "x" })
      const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256)
      const res = yield* upload(c.id, "report 1.bin", bytes)
      expect(res.status).toBe(200)
      expect(res.body).toEqual({
        id: expect.stringMatching(fileId),
        object: "container.file",
        created_at: T0,
        bytes: 1000,
        container_id: c.id,
        path: "/mnt/data/report 1.bin",
        source: "user",
      })
      const file = res.body as { id: string }
      const content = yield* send(get(`/containers/${c.id}/files/${file.id}/content`))
      expect(content.status).toBe(200)
      expect(content.headers["content-type"]).toBe("application/octet-stream")
      expect(content.headers["content-length"]).toBe("1000")
      expect(content.headers["x-request-id"]).toMatch(requestId)
      expect(yield* bytesOf(content)).toEqual(bytes)
      const retrieved = yield* call(get(`/containers/${c.id}/files/${file.id}`))
      expect(retrieved.body).toEqual(res.body)
      const fake = yield* FakeContainersApi
      expect(yield* fake.fileBytes(c.id, file.id)).toEqual(Option.some(bytes))
    }).pipe(Effect.provide(fake)),
  )

  it.effect("a file part is a file whatever its content type (a JSON file included)", () =>
    Effect.gen(function* () {
      const c = yield* createContainer({ name: "x" })
      const json = new TextEncoder().encode('{"a":1}')
      const form = new FormData()
      form.append("file", new Blob([json], { type: "application/json" }), "a.json")
      const res = yield* call(post(`/containers/${c.id}/files`).pipe(HttpClientRequest.bodyFormData(form)))
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ bytes: json.length, path: "/mnt/data/a.json" })
      const fake = yield* FakeContainersApi
      const id = (res.body as { id: string }).id
      expect(yield* fake.fileBytes(c.id, id)).toEqual(Option.some(json))
    }).pipe(Effect.provide(fake)),
  )

  it.effect("a streamed multipart body is read as it arrives", () =>
    Effect.gen(function* () {
      const c = yield* createContainer({ name: "x" })
      const boundary = "----fake-boundary"
      const enc = new TextEncoder()
      const payload = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251)
      const parts = [
        enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.bin"\r\n`),
        enc.encode("Content-Type: application/octet-stream\r\n\r\n"),
        payload.subarray(0, 100_000),
        payload.subarray(100_000),
        enc.encode(`\r\n--${boundary}--\r\n`),
      ]
      const res = yield* call(
        post(`/containers/${c.id}/files`).pipe(
          HttpClientRequest.setBody(
            HttpBody.stream(Stream.fromIterable(parts), `multipart/form-data; boundary=${boundary}`),
          ),
        ),
      )
      expect(res.body).toMatchObject({ bytes: 300_000, path: "/mnt/data/s.bin" })
      const content = yield* send(get(`/containers/${c.id}/files/${(res.body as { id: string }).id}/content`))
      assert.isTrue(sameBytes(yield* bytesOf(content), payload))
    }).pipe(Effect.provide(fake)),
  )

  it.effect("JSON {file_id} copies a seeded file; both, neither and unknown ids fail", () =>
    Effect.gen(function* () {
      const fake = yield* FakeContainersApi
      const bytes = new TextEncoder().encode("hello")
      yield* fake.addOpenAiFile({ id: "file-1", filename: "hello.txt", bytes })
      const c = yield* createContainer({ name: "x" })
      const res = yield* call(post(`/containers/${c.id}/files`).pipe(json({ file_id: "file-1" })))
      expect(res.body).toMatchObject({ bytes: 5, path: "/mnt/data/hello.txt", container_id: c.id })

      const unknown = yield* call(post(`/containers/${c.id}/files`).pipe(json({ file_id: "file-2" })))
      expect(unknown.status).toBe(404)
      expect(unknown.body).toEqual(errorBody("No such File object: file-2", "file_id"))

      const form = new FormData()
      form.append("file", new Blob([bytes]), "a.txt")
      form.append("file_id", "file-1")
      const both = yield* call(post(`/containers/${c.id}/files`).pipe(HttpClientRequest.bodyFormData(form)))
      expect(both.status).toBe(400)
      expect(both.body).toEqual(
        errorBody(
          "Provide either 'file' or 'file_id', not both.",
          "file_id",
          "mutually_exclusive_parameters",
        ),
      )
      const neither = yield* call(post(`/containers/${c.id}/files`).pipe(json({})))
      expect(neither.status).toBe(400)
      expect(neither.body).toEqual(
        errorBody("Missing required parameter: 'file_id'.", "file_id", "missing_required_parameter"),
      )
      const emptyForm = new FormData()
      emptyForm.append("purpose", "x")
      const neitherForm = yield* call(
        post(`/containers/${c.id}/files`).pipe(HttpClientRequest.bodyFormData(emptyForm)),
      )
      expect(neitherForm.body).toEqual(
        errorBody(
          "Missing required parameter: provide either 'file' (multipart upload) or 'file_id'.",
          "file",
          "missing_required_parameter",
        ),
      )
      const viaForm = new FormData()
      viaForm.append("file_id", "file-1")
      const formId = yield* call(
        post(`/containers/${c.id}/files`).pipe(HttpClientRequest.bodyFormData(viaForm)),
      )
      expect(formId.body).toMatchObject({ bytes: 5, path: "/mnt/data/hello.txt" })
      expect((yield* fake.files(c.id)).length).toBe(2)
    }).pipe(Effect.provide(fake)),
  )

  it.effect("list, retrieve, delete, 404s and percent-encoded ids", () =>
    Effect.gen(function* () {
      const fake = yield* FakeContainersApi
      const c = yield* createContainer({ name: "x" })
      const ids: Array<string> = []
      for (let i = 0; i < 5; i++) {
        ids.push((yield* fake.addFile(c.id, { filename: `f${i}.txt`, bytes: new Uint8Array(i) })).id)
      }
      const page = yield* call(get(`/containers/${c.id}/files?limit=2&order=asc&after=${ids[0]}`))
      expect(page.body).toMatchObject({ first_id: ids[1], last_id: ids[2], has_more: true })
      const desc = yield* call(get(`/containers/${c.id}/files`))
      expect((desc.body as { data: Array<{ id: string }> }).data.map((f) => f.id)).toEqual([...ids].reverse())

      const gone = yield* call(del(`/containers/${c.id}/files/${ids[0]}`))
      expect(gone.body).toEqual({ id: ids[0], object: "container.file.deleted", deleted: true })
      for (const path of [`/files/${ids[0]}`, `/files/${ids[0]}/content`]) {
        const res = yield* call(get(`/containers/${c.id}${path}`))
        expect(res.status).toBe(404)
        expect(res.body).toEqual(errorBody(`No file found with id '${ids[0]}'.`))
      }
      const again = yield* call(del(`/containers/${c.id}/files/${ids[0]}`))
      expect(again.status).toBe(404)
      const noContainer = yield* call(get(`/containers/cntr_nope/files/${ids[1]}`))
      expect(noContainer.body).toEqual(errorBody("No container found with id 'cntr_nope'."))

      // A path segment arrives percent-encoded and is decoded before lookup.
      const encoded = yield* call(get(`/containers/${encodeURIComponent("a/b c")}`))
      expect(encoded.body).toEqual(errorBody("No container found with id 'a/b c'."))
      const byEncodedId = yield* call(get(`/containers/${c.id}/files/${encodeURIComponent(ids[1] ?? "")}`))
      expect(byEncodedId.status).toBe(200)

      const zero = yield* fake.addFile(c.id, { filename: "zero", bytes: new Uint8Array(0) })
      const empty = yield* send(get(`/containers/${c.id}/files/${zero.id}/content`))
      expect(empty.headers["content-length"]).toBe("0")
      expect(yield* bytesOf(empty)).toEqual(new Uint8Array(0))
      // Deleting a container deletes its files.
      yield* call(del(`/containers/${c.id}`))
      expect(yield* fake.files(c.id)).toEqual([])
    }).pipe(Effect.provide(fake)),
  )

  it.effect("a 50 MiB download streams in several chunks, byte for byte", () =>
    Effect.gen(function* () {
      const fake = yield* FakeContainersApi
      const c = yield* createContainer({ name: "big" })
      const size = 50 * 1024 * 1024
      const bytes = new Uint8Array(size)
      for (let i = 0; i < size; i += 4096) bytes[i] = (i / 4096) % 256
      const file = yield* fake.addFile(c.id, { filename: "big.bin", bytes })
      const res = yield* send(get(`/containers/${c.id}/files/${file.id}/content`))
      expect(res.headers["content-length"]).toBe(String(size))
      const chunks = yield* Stream.runCollect(res.stream)
      expect(Chunk.size(chunks)).toBeGreaterThan(1)
      let offset = 0
      let same = true
      for (const chunk of chunks) {
        for (let i = 0; i < chunk.length; i += 4096) same &&= chunk[i] === bytes[offset + i]
        offset += chunk.length
      }
      expect(offset).toBe(size)
      assert.isTrue(same)
    }).pipe(Effect.provide(fake)),
  )
})

describe("auth and the request log", () => {
  it.effect("401 without a bearer key, and with the wrong one when apiKey is set", () =>
    Effect.gen(function* () {
      const missing = yield* call(get("/containers").pipe(HttpClientRequest.setHeader("authorization", "")))
      expect(missing.status).toBe(401)
      expect(missing.body).toEqual(
        errorBody(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
        ),
      )
      expect(missing.headers["x-request-id"]).toMatch(requestId)
      const blank = yield* call(
        get("/containers").pipe(HttpClientRequest.setHeader("authorization", "Bearer ")),
      )
      expect(blank.status).toBe(401)
      const wrong = yield* call(get("/containers").pipe(HttpClientRequest.bearerToken("sk-wrong")))
      expect(wrong.status).toBe(401)
      expect(wrong.body).toEqual(
        errorBody(
          "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
          null,
          "invalid_api_key",
        ),
      )
      expect(JSON.stringify(wrong.body)).not.toContain("sk-wrong")
    }).pipe(Effect.provide(fake)),
  )

  it.effect("without apiKey any non-empty bearer token is accepted", () =>
    Effect.gen(function* () {
      const res = yield* call(get("/containers").pipe(HttpClientRequest.bearerToken("anything")))
      expect(res.status).toBe(200)
    }).pipe(Effect.provide(Fake.FakeContainersApi.layerClient())),
  )

  it.effect(
    "the log records method, path, decoded query, headers, body size and upload hash; reset forgets",
    () =>
      Effect.gen(function* () {
        const fake = yield* FakeContainersApi
        const c = yield* createContainer({ name: "x" })
        const bytes = new TextEncoder().encode("abc")
        yield* upload(c.id, "a.txt", bytes)
        yield* call(get(`/containers/${c.id}/files?limit=5&after=${encodeURIComponent("cfile_x y")}`))
        const log = yield* fake.requests
        expect(log.map((r) => [r.method, r.path, r.status])).toEqual([
          ["POST", "/v1/containers", 200],
          ["POST", `/v1/containers/${c.id}/files`, 200],
          ["GET", `/v1/containers/${c.id}/files`, 400],
        ])
        expect(log[0]?.bodySize).toBe(JSON.stringify({ name: "x" }).length)
        expect(log[0]?.headers.authorization).toBe(`Bearer ${apiKey}`)
        expect(log[1]?.fileSha256).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        expect(log[1]?.bodySize).toBeGreaterThan(3)
        expect(log[2]?.query).toEqual({ limit: "5", after: "cfile_x y" })
        expect(log[2]?.requestId).toMatch(requestId)
        yield* fake.reset
        expect(yield* fake.requests).toEqual([])
        expect(yield* fake.containers).toEqual([])
      }).pipe(Effect.provide(fake)),
  )
})
