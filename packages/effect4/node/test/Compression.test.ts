/**
 * Compressed responses over the Node transport, against a raw loopback server that encodes its
 * bodies whether or not the client asked: JSON, errors and content must reach the caller as the
 * server's own bytes, and a body that lies about its encoding must fail with a tagged error.
 */
import * as fs from "node:fs"
import type * as Http from "node:http"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as zlib from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles, type ContainersClient } from "@openai-containers/core"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { NodeContainerFiles, NodeContainersClient } from "../src/index.js"
import { expectBytes, apiKey as fakeKey, newContainer, withClient } from "./endpointSuite.js"
import { rawServer } from "./rawServer.js"

/** What a request asked for, as the server saw it. */
interface Seen {
  readonly method: string
  readonly path: string
  readonly accept: string | undefined
  readonly acceptEncoding: string | undefined
}

/** What the server answers: `body` is sent as given, `encoding` only names it. */
interface Reply {
  readonly status?: number
  readonly encoding?: string | undefined
  readonly body: Uint8Array
  readonly contentType?: string
  readonly headers?: Readonly<Record<string, string>>
}

type Encoding = "gzip" | "x-gzip" | "deflate" | "br" | "identity"

const encoders: Readonly<Record<Encoding, (bytes: Uint8Array) => Uint8Array>> = {
  gzip: (bytes) => zlib.gzipSync(bytes),
  "x-gzip": (bytes) => zlib.gzipSync(bytes),
  deflate: (bytes) => zlib.deflateSync(bytes),
  // Quality 4: the default (11) takes seconds per megabyte.
  br: (bytes) => zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  identity: (bytes) => bytes,
}

/** `value` as JSON, encoded with `encoding` and labelled with it. */
const jsonReply = (encoding: Encoding, value: unknown, status = 200): Reply => ({
  status,
  encoding,
  body: encoders[encoding](Buffer.from(JSON.stringify(value))),
  contentType: "application/json",
})

/**
 * A server that answers every request with `reply(seen, index)` and records what each request
 * asked for. The base URL carries the API's `/v1` prefix.
 */
const compressingServer = (reply: (seen: Seen, index: number) => Reply) =>
  Effect.gen(function* () {
    const seen: Array<Seen> = []
    const server = yield* rawServer((req: Http.IncomingMessage, res: Http.ServerResponse) => {
      const request: Seen = {
        method: req.method ?? "",
        path: req.url ?? "",
        accept: req.headers.accept,
        acceptEncoding: req.headers["accept-encoding"],
      }
      seen.push(request)
      const answer = reply(request, seen.length - 1)
      res.writeHead(answer.status ?? 200, {
        "content-type": answer.contentType ?? "application/octet-stream",
        "content-length": String(answer.body.byteLength),
        "x-request-id": `req_${seen.length}`,
        ...(answer.encoding === undefined ? {} : { "content-encoding": answer.encoding }),
        ...answer.headers,
      })
      res.end(answer.body)
    })
    return { baseUrl: `${server.url}/v1`, seen }
  })

const apiKey = "sk-compression-test"

const client =
  (baseUrl: string, options: ContainersClient.Options = {}) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.provide(
      self,
      NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(apiKey), maxRetries: 0, ...options }),
    )

const fileJson = {
  id: "cfile_1",
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1_700_000_000,
  bytes: 1234,
  path: "/mnt/data/ré sumé.csv",
  source: "user",
}

const pageJson = {
  object: "list",
  data: [fileJson, { ...fileJson, id: "cfile_2", path: "/mnt/data/b.bin", source: "assistant" }],
  first_id: "cfile_1",
  last_id: "cfile_2",
  has_more: false,
}

/**
 * A few MB that compress but are not trivial: pseudo-random low nibbles (a fixed xorshift seed)
 * with every byte value mixed in, so a text decode or a dropped chunk anywhere would show.
 */
const original = (() => {
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 17)
  let state = 0x9e3779b9
  for (let i = 0; i < bytes.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    bytes[i] = i % 5 === 0 ? i % 256 : (state >>> 0) & 0x0f
  }
  return bytes
})()

/** A fresh directory, removed when the test's scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "node-compression-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

/** The failure of `self`; a success fails the test with a short note, not a 3 MB value to print. */
const failure = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flip(Effect.flatMap(self, () => Effect.die(new Error("expected a failure, got a success"))))

const jsonEncodings = ["gzip", "x-gzip", "deflate", "br"] as const

describe("NodeContainersClient.layer: compressed responses", () => {
  it.live.each(jsonEncodings)(
    "a %s JSON response to retrieve and list decodes to the exact values; the request asked for gzip, br",
    (encoding) =>
      Effect.gen(function* () {
        const server = yield* compressingServer((seen) =>
          jsonReply(encoding, seen.path.endsWith("/files") ? pageJson : fileJson),
        )
        // The server really sends compressed bytes: undecoded, they are not the JSON.
        expect(
          Buffer.compare(
            encoders[encoding](Buffer.from(JSON.stringify(fileJson))),
            Buffer.from(JSON.stringify(fileJson)),
          ),
        ).not.toBe(0)
        const file = yield* ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(client(server.baseUrl))
        expect({ ...file }).toEqual(fileJson)
        const page = yield* ContainerFiles.list("cntr_1").pipe(client(server.baseUrl))
        expect({ ...page, data: page.data.map((f) => ({ ...f })) }).toEqual(pageJson)
        expect(server.seen).toEqual([
          {
            method: "GET",
            path: "/v1/containers/cntr_1/files/cfile_1",
            accept: "application/json",
            acceptEncoding: "gzip, br",
          },
          {
            method: "GET",
            path: "/v1/containers/cntr_1/files",
            accept: "application/json",
            acceptEncoding: "gzip, br",
          },
        ])
      }),
  )

  it.live("a gzip-encoded 404 with the API's error object is a NotFoundError with its message", () =>
    Effect.gen(function* () {
      const apiError = {
        message: "No such file: cfile_404",
        type: "invalid_request_error",
        param: "file_id",
        code: "file_not_found",
      }
      const server = yield* compressingServer(() => jsonReply("gzip", { error: apiError }, 404))
      const error = yield* failure(
        ContainerFiles.retrieve("cntr_1", "cfile_404").pipe(client(server.baseUrl)),
      )
      expect(error._tag).toBe("NotFoundError")
      if (error._tag !== "NotFoundError") return
      expect(error.status).toBe(404)
      expect(error.requestId).toBe("req_1")
      expect(error.error).toEqual(apiError)
      expect(error.message).toContain("No such file: cfile_404")
      expect(server.seen.map((s) => s.acceptEncoding)).toEqual(["gzip, br"])
    }),
  )

  it.live.each(["gzip", "br"] as const)(
    "contentBytes and download of a %s content body give exactly the file's own bytes; the request did not ask for it",
    (encoding) =>
      Effect.gen(function* () {
        const encoded = encoders[encoding](original)
        expect(encoded.byteLength).toBeLessThan(original.byteLength)
        const server = yield* compressingServer(() => ({ encoding, body: encoded }))
        const bytes = yield* ContainerFiles.contentBytes("cntr_1", "cfile_1").pipe(client(server.baseUrl))
        expectBytes(bytes, original)

        const dir = yield* tempDir
        const target = nodePath.join(dir, "copy.bin")
        const progress: Array<NodeContainerFiles.Progress> = []
        yield* NodeContainerFiles.download("cntr_1", "cfile_1", target, {
          onProgress: (p) => Effect.sync(() => progress.push(p)),
        }).pipe(client(server.baseUrl))
        expectBytes(fs.readFileSync(target), original)
        expect(fs.readdirSync(dir)).toEqual(["copy.bin"])
        // The Content-Length counted encoded bytes, so it is no total for the decoded ones.
        expect(progress[0]).toEqual({ bytes: 0, total: undefined })
        expect(progress.at(-1)).toEqual({ bytes: original.byteLength, total: undefined })

        const content = {
          method: "GET",
          path: "/v1/containers/cntr_1/files/cfile_1/content",
          accept: "application/binary",
          acceptEncoding: undefined,
        }
        expect(server.seen).toEqual([content, content])
      }),
  )

  it.live.each([
    { label: "Content-Encoding: identity", encoding: "identity" },
    { label: "no Content-Encoding", encoding: undefined },
  ])("a body with $label passes through untouched, JSON and content alike", ({ encoding }) =>
    Effect.gen(function* () {
      const server = yield* compressingServer((seen) =>
        seen.path.endsWith("/content")
          ? { encoding, body: original }
          : { ...jsonReply("identity", fileJson), encoding },
      )
      const file = yield* ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(client(server.baseUrl))
      expect({ ...file }).toEqual(fileJson)
      expectBytes(
        yield* ContainerFiles.contentBytes("cntr_1", "cfile_1").pipe(client(server.baseUrl)),
        original,
      )

      const dir = yield* tempDir
      const target = nodePath.join(dir, "copy.bin")
      const progress: Array<NodeContainerFiles.Progress> = []
      yield* NodeContainerFiles.download("cntr_1", "cfile_1", target, {
        onProgress: (p) => Effect.sync(() => progress.push(p)),
      }).pipe(client(server.baseUrl))
      expectBytes(fs.readFileSync(target), original)
      // Nothing was decoded, so the Content-Length still gives the total.
      expect(progress[0]).toEqual({ bytes: 0, total: original.byteLength })
      expect(progress.at(-1)).toEqual({ bytes: original.byteLength, total: original.byteLength })
    }),
  )

  describe("a body that is not what its Content-Encoding claims", () => {
    const notGzip = Buffer.from(JSON.stringify(fileJson))

    it.live("a JSON GET fails with a ConnectionError reading the body", () =>
      Effect.gen(function* () {
        const server = yield* compressingServer(() => ({ encoding: "gzip", body: notGzip }))
        const error = yield* failure(
          ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(client(server.baseUrl)),
        )
        expect(error._tag).toBe("ConnectionError")
        if (error._tag !== "ConnectionError") return
        expect(error.method).toBe("GET")
        expect(error.path).toBe("/containers/cntr_1/files/cfile_1")
        expect(error.description).toBe("reading the response body: incorrect header check")
        expect(server.seen).toHaveLength(1)
      }),
    )

    it.live("a truncated gzip JSON body fails with a ConnectionError, not a silently short value", () =>
      Effect.gen(function* () {
        const gzipped = zlib.gzipSync(Buffer.from(JSON.stringify(pageJson)))
        const server = yield* compressingServer(() => ({
          encoding: "gzip",
          body: gzipped.subarray(0, gzipped.byteLength - 12),
        }))
        const error = yield* failure(ContainerFiles.list("cntr_1").pipe(client(server.baseUrl)))
        expect(error._tag).toBe("ConnectionError")
        if (error._tag !== "ConnectionError") return
        expect(error.description).toBe("reading the response body: unexpected end of file")
      }),
    )

    it.live(
      "a JSON GET is retried by the default rules (a ConnectionError) and succeeds on a good body",
      () =>
        Effect.gen(function* () {
          const server = yield* compressingServer((_seen, index) =>
            index < 2 ? { encoding: "gzip", body: notGzip } : jsonReply("gzip", fileJson),
          )
          const file = yield* ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(
            client(server.baseUrl, { maxRetries: 2, retrySchedule: Schedule.forever }),
          )
          expect({ ...file }).toEqual(fileJson)
          expect(server.seen).toHaveLength(3)
        }),
    )

    it.live("retries stop at maxRetries: the last ConnectionError is returned", () =>
      Effect.gen(function* () {
        const server = yield* compressingServer(() => ({ encoding: "br", body: notGzip }))
        const error = yield* failure(
          ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(
            client(server.baseUrl, { maxRetries: 2, retrySchedule: Schedule.forever }),
          ),
        )
        expect(error._tag).toBe("ConnectionError")
        expect(server.seen).toHaveLength(3)
      }),
    )

    it.live(
      "content fails with a ConnectionError once bytes flow (not retried) and download leaves no file",
      () =>
        Effect.gen(function* () {
          const server = yield* compressingServer(() => ({ encoding: "gzip", body: original }))
          const retrying = client(server.baseUrl, { maxRetries: 2, retrySchedule: Schedule.forever })
          const error = yield* failure(ContainerFiles.contentBytes("cntr_1", "cfile_1").pipe(retrying))
          expect(error._tag).toBe("ConnectionError")
          if (error._tag !== "ConnectionError") return
          expect(error.path).toBe("/containers/cntr_1/files/cfile_1/content")
          expect(error.description).toBe("reading the response body: incorrect header check")
          // The headers came back fine; the body failed afterwards, past what a retry covers.
          expect(server.seen).toHaveLength(1)

          const dir = yield* tempDir
          const target = nodePath.join(dir, "copy.bin")
          const failed = yield* failure(
            NodeContainerFiles.download("cntr_1", "cfile_1", target).pipe(retrying),
          )
          expect(failed._tag).toBe("ConnectionError")
          expect(fs.readdirSync(dir)).toEqual([])
        }),
    )
  })
})

describe("NodeContainersClient.layer: the JSON cap and compressed content from the fake API", () => {
  it.live(
    "a gzip JSON body that would decode past 64 MiB fails with a ConnectionError, not a huge string",
    () =>
      Effect.gen(function* () {
        // 65 MiB of spaces before the JSON: about 65 KiB compressed.
        const bomb = zlib.gzipSync(Buffer.concat([Buffer.alloc(65 * 1024 * 1024, 32), Buffer.from("{}")]))
        expect(bomb.byteLength).toBeLessThan(100 * 1024)
        const server = yield* compressingServer(() => ({
          encoding: "gzip",
          body: bomb,
          contentType: "application/json",
        }))
        const error = yield* failure(
          ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(client(server.baseUrl)),
        )
        expect(error._tag).toBe("ConnectionError")
        if (error._tag !== "ConnectionError") return
        expect(error.description).toBe(
          "reading the response body: Cannot create a Buffer larger than 67108864 bytes",
        )
      }),
  )

  it.layer(FakeContainersServer.layer({ apiKey: fakeKey, compressContent: true }))((it) => {
    // Content downloads ask for no encoding; a user header asks for gzip, which the fake's
    // `compressContent` then applies to the content too.
    const fake = withClient(NodeContainersClient.layer, { headers: { "Accept-Encoding": "gzip" } })

    it.effect(
      "the fake's gzipped content arrives as the file's own bytes; a reset mid-body leaves no file",
      () =>
        Effect.gen(function* () {
          const api = yield* FakeContainersApi.FakeContainersApi
          const container = yield* newContainer
          const added = yield* api.addFile(container.id, { filename: "data.bin", bytes: original })
          yield* api.clearRequests
          expectBytes(yield* ContainerFiles.contentBytes(container.id, added.id).pipe(fake), original)
          const dir = yield* tempDir
          const target = nodePath.join(dir, "copy.bin")
          const progress: Array<NodeContainerFiles.Progress> = []
          yield* NodeContainerFiles.download(container.id, added.id, target, {
            onProgress: (p) => Effect.sync(() => progress.push(p)),
          }).pipe(fake)
          expectBytes(fs.readFileSync(target), original)
          expect(progress[0]).toEqual({ bytes: 0, total: undefined })
          expect(progress.at(-1)).toEqual({ bytes: original.byteLength, total: undefined })
          expect((yield* api.requests).map((r) => r.headers["accept-encoding"])).toEqual(["gzip", "gzip"])

          yield* api.injectFault({
            match: { path: /\/content$/ },
            fault: { _tag: "ResetMidBody", afterBytes: 1_000_000 },
          })
          const error = yield* failure(NodeContainerFiles.download(container.id, added.id, target).pipe(fake))
          expect(error._tag).toBe("ConnectionError")
          // The socket's own error, as for an uncompressed body: the decoder passes it on as it is.
          expect(error._tag === "ConnectionError" && error.description).toBe(
            "reading the response body: other side closed",
          )
          expect(fs.readdirSync(dir)).toEqual(["copy.bin"])
          expectBytes(fs.readFileSync(target), original)
        }),
    )
  })
})
