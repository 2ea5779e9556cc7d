/**
 * gzip over the real server, read with `node:http` (which, unlike fetch, hands back the bytes as
 * sent): JSON is compressed when the request accepts gzip, content only with `compressContent`,
 * and body faults still act on the decoded bytes.
 */
import * as Http from "node:http"
import * as zlib from "node:zlib"
import { describe, expect, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { FakeContainersApi } from "../src/FakeContainersApi.js"
import * as FakeContainersServer from "../src/FakeContainersServer.js"

const apiKey = "sk-gzip-test"

interface Raw {
  readonly status: number
  readonly headers: Http.IncomingHttpHeaders
  /** The body as sent, still encoded. */
  readonly body: Buffer
  /** Whether the connection broke before the body ended. */
  readonly broken: boolean
}

const raw = (url: string, headers: Readonly<Record<string, string>> = {}) =>
  Effect.promise(
    () =>
      new Promise<Raw>((resolve, reject) => {
        const request = Http.get(
          url,
          { headers: { authorization: `Bearer ${apiKey}`, ...headers } },
          (res) => {
            const chunks: Array<Buffer> = []
            const done = (broken: boolean) =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks),
                broken,
              })
            res.on("data", (chunk: Buffer) => chunks.push(chunk))
            res.on("end", () => done(false))
            res.on("error", () => done(true))
            res.on("aborted", () => done(true))
          },
        )
        request.on("error", reject)
      }),
  )

const gzip = { "accept-encoding": "gzip" }
const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251)

const seed = Effect.gen(function* () {
  const url = yield* FakeContainersServer.baseUrl
  const fake = yield* FakeContainersApi
  yield* fake.reset
  const container = yield* fake.createContainer({ name: "gzip" })
  const file = yield* fake.addFile(container.id, { filename: "data.bin", bytes })
  return { url, fake, container, file, content: `${url}/containers/${container.id}/files/${file.id}/content` }
})

describe("gzip over the real server", () => {
  layer(FakeContainersServer.layer({ apiKey }), { excludeTestServices: true })((it) => {
    it.effect("JSON is gzipped when the request accepts it, with the compressed content-length", () =>
      Effect.gen(function* () {
        const { url, container } = yield* seed
        const plain = yield* raw(`${url}/containers`)
        expect(plain.headers["content-encoding"]).toBeUndefined()
        expect(plain.headers["content-length"]).toBe(String(plain.body.length))
        const res = yield* raw(`${url}/containers`, gzip)
        expect(res.status).toBe(200)
        expect(res.headers["content-encoding"]).toBe("gzip")
        expect(res.headers.vary).toBe("accept-encoding")
        expect(res.headers["content-type"]).toBe("application/json")
        expect(res.headers["content-length"]).toBe(String(res.body.length))
        expect(res.headers["access-control-expose-headers"]).toContain("content-encoding")
        const decoded = zlib.gunzipSync(res.body)
        expect(JSON.parse(decoded.toString())).toEqual(JSON.parse(plain.body.toString()))
        expect(JSON.parse(decoded.toString())).toMatchObject({ data: [{ id: container.id }] })
        // Error bodies are JSON too.
        const missing = yield* raw(`${url}/containers/cntr_missing`, gzip)
        expect(missing.status).toBe(404)
        expect(missing.headers["content-encoding"]).toBe("gzip")
        expect(JSON.parse(zlib.gunzipSync(missing.body).toString())).toEqual({
          error: {
            message: "No container found with id 'cntr_missing'.",
            type: "invalid_request_error",
            param: null,
            code: null,
          },
        })
      }),
    )

    it.effect("Accept-Encoding is read with its q-values", () =>
      Effect.gen(function* () {
        const { url } = yield* seed
        const cases: ReadonlyArray<readonly [string, string | undefined]> = [
          ["gzip", "gzip"],
          ["gzip, deflate, br", "gzip"],
          ["br;q=1.0, gzip;q=0.5", "gzip"],
          ["x-gzip", "gzip"],
          ["*", "gzip"],
          ["identity", undefined],
          ["deflate, br", undefined],
          ["gzip;q=0", undefined],
          ["*, gzip;q=0", undefined],
          ["", undefined],
        ]
        const seen: Array<readonly [string, string | undefined]> = []
        for (const [accept] of cases) {
          const res = yield* raw(`${url}/containers`, { "accept-encoding": accept })
          seen.push([accept, res.headers["content-encoding"]])
        }
        expect(seen).toEqual(cases)
      }),
    )

    it.effect("content is sent as stored, even when gzip is accepted", () =>
      Effect.gen(function* () {
        const { content } = yield* seed
        const res = yield* raw(content, gzip)
        expect(res.headers["content-encoding"]).toBeUndefined()
        expect(res.headers["content-type"]).toBe("application/octet-stream")
        expect(res.headers["content-length"]).toBe(String(bytes.length))
        expect(res.body.equals(bytes)).toBe(true)
      }),
    )

    it.effect("a truncated JSON body is the gzip of the first half of the JSON", () =>
      Effect.gen(function* () {
        const { url, fake, container } = yield* seed
        const full = (yield* raw(`${url}/containers/${container.id}`)).body.toString()
        yield* fake.injectFault({ fault: { _tag: "TruncatedBody" } })
        const res = yield* raw(`${url}/containers/${container.id}`, gzip)
        expect(res.headers["content-encoding"]).toBe("gzip")
        expect(res.broken).toBe(false)
        expect(zlib.gunzipSync(res.body).toString()).toBe(full.slice(0, Math.floor(full.length / 2)))
      }),
    )
  })

  layer(FakeContainersServer.layer({ apiKey, compressContent: true }), { excludeTestServices: true })(
    (it) => {
      it.effect("compressContent gzips downloads too (streamed, so no content-length)", () =>
        Effect.gen(function* () {
          const { content } = yield* seed
          const res = yield* raw(content, gzip)
          expect(res.headers["content-encoding"]).toBe("gzip")
          expect(res.headers["content-length"]).toBeUndefined()
          expect(res.headers["transfer-encoding"]).toBe("chunked")
          expect(zlib.gunzipSync(res.body).equals(bytes)).toBe(true)
          expect(res.body.length).toBeLessThan(bytes.length)
          const plain = yield* raw(content)
          expect(plain.headers["content-encoding"]).toBeUndefined()
          expect(plain.body.equals(bytes)).toBe(true)
        }),
      )

      it.effect("a reset after N bytes delivers exactly N decoded bytes first", () =>
        Effect.gen(function* () {
          const { fake, content } = yield* seed
          yield* fake.injectFault({
            match: { path: /\/content$/ },
            fault: { _tag: "ResetMidBody", afterBytes: 70_000 },
          })
          const res = yield* raw(content, gzip)
          expect(res.headers["content-encoding"]).toBe("gzip")
          expect(res.broken).toBe(true)
          // The prefix is a gzip stream cut short; what it holds decodes exactly.
          const decoded = zlib.gunzipSync(res.body, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
          expect(decoded.length).toBe(70_000)
          expect(decoded.equals(bytes.subarray(0, 70_000))).toBe(true)
        }),
      )
    },
  )
})
