import type * as Http from "node:http"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles } from "@openai-containers/core"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Cookies from "effect/http/Cookies"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import pkg from "../package.json" with { type: "json" }
import { NodeContainersClient } from "../src/index.js"
import { apiKey, binary, endpointSuite, expectBytes, newContainer, withClient } from "./endpointSuite.js"
import { awaitPromise, rawServer } from "./rawServer.js"

endpointSuite("NodeContainersClient.layer", NodeContainersClient.layer)

describe("NodeContainersClient", () => {
  it.layer(FakeContainersServer.layer({ apiKey }))((it) => {
    it.effect("sends a User-Agent naming the library unless the user set one", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* newContainer
        yield* api.clearRequests
        yield* ContainerFiles.list(container.id).pipe(withClient(NodeContainersClient.layer))
        yield* ContainerFiles.list(container.id).pipe(
          withClient(NodeContainersClient.layer, { headers: { "User-Agent": "mine/1.0" } }),
        )
        const agents = (yield* api.requests).map((r) => r.headers["user-agent"])
        expect(agents).toEqual([
          `@openai-containers/node/${pkg.version} node/${process.versions.node}`,
          "mine/1.0",
        ])
      }),
    )

    it.effect("layerConfig reads OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_PROJECT_ID", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const baseUrl = yield* FakeContainersServer.baseUrl
        const container = yield* newContainer
        yield* api.clearRequests
        const env = { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: baseUrl, OPENAI_PROJECT_ID: "proj_1" }
        const page = yield* ContainerFiles.list(container.id).pipe(
          Effect.provide(
            NodeContainersClient.layerConfig().pipe(
              Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))),
            ),
          ),
        )
        expect(page.data).toEqual([])
        const [sent] = yield* api.requests
        expect(sent?.headers.authorization).toBe(`Bearer ${apiKey}`)
        expect(sent?.headers["openai-project"]).toBe("proj_1")
        expect(sent?.headers["user-agent"]).toBe(NodeContainersClient.userAgent)
      }),
    )
  })
})

const readAll = (req: Http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/** Answers every request with what it received: method, path, framing headers and the body. */
const echo = (req: Http.IncomingMessage, res: Http.ServerResponse) => {
  void readAll(req).then((body) => {
    res.setHeader("content-type", "application/json")
    res.end(
      JSON.stringify({
        method: req.method,
        path: req.url,
        contentType: req.headers["content-type"] ?? null,
        contentLength: req.headers["content-length"] ?? null,
        transferEncoding: req.headers["transfer-encoding"] ?? null,
        userAgent: req.headers["user-agent"],
        body: body.toString("base64"),
      }),
    )
  })
}

interface Echoed {
  readonly method: string
  readonly path: string
  readonly contentType: string | null
  readonly contentLength: string | null
  readonly transferEncoding: string | null
  readonly userAgent: string
  readonly body: string
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

const send = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(HttpClient.HttpClient, (client) => client.execute(request))

const echoed = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.flatMap(
    send(request),
    (response) =>
      response.json as Effect.Effect<unknown, HttpClientError.HttpClientError> as Effect.Effect<
        Echoed,
        HttpClientError.HttpClientError
      >,
  )

/** A big response written as fast as the client takes it; `written` counts bytes sent. */
const bigBody = (total: number) => {
  const chunk = Buffer.alloc(64 * 1024, 7)
  const state = { written: 0 }
  const handler = (_req: Http.IncomingMessage, res: Http.ServerResponse) => {
    res.writeHead(200, { "content-length": String(total) })
    const pump = () => {
      while (state.written < total) {
        state.written += chunk.length
        if (!res.write(chunk)) return void res.once("drain", pump)
      }
      res.end()
    }
    pump()
  }
  return { state, handler }
}

const client = NodeContainersClient.layerHttpClient()

describe("NodeContainersClient.layerHttpClient", () => {
  it.live("sends Empty, Uint8Array, Raw, FormData and Stream bodies with their framing", () =>
    Effect.gen(function* () {
      const server = yield* rawServer(echo)
      const bytes = binary(100_000)
      const get = yield* echoed(HttpClientRequest.get(`${server.url}/a?b=1`))
      expect(get).toMatchObject({ method: "GET", path: "/a?b=1", contentLength: null, body: "" })
      expect(get.userAgent).toBe(NodeContainersClient.userAgent)

      const uint8 = yield* echoed(HttpClientRequest.bodyUint8Array(HttpClientRequest.post(server.url), bytes))
      expect(uint8).toMatchObject({ contentType: "application/octet-stream", contentLength: "100000" })
      expect(uint8.body).toBe(base64(bytes))

      const raw = yield* echoed(
        HttpClientRequest.setBody(
          HttpClientRequest.put(server.url),
          HttpBody.raw("héllo", { contentType: "text/plain", contentLength: 6 }),
        ),
      )
      expect(raw).toMatchObject({ method: "PUT", contentType: "text/plain", contentLength: "6" })
      expect(Buffer.from(raw.body, "base64").toString("utf8")).toBe("héllo")

      // The global FormData goes through 4.1's undici client as it is (1.x had to send it as a stream).
      const form = new FormData()
      form.append("purpose", "x")
      form.append("file", new Blob([Buffer.from(bytes)], { type: "application/x-test" }), "a.bin")
      const multipart = yield* echoed(
        HttpClientRequest.bodyFormData(HttpClientRequest.post(server.url), form),
      )
      const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(multipart.contentType ?? "")?.[1]
      expect(boundary).toBeDefined()
      expect(Number(multipart.contentLength)).toBe(Buffer.from(multipart.body, "base64").byteLength)
      const parsed = yield* Effect.promise(() =>
        new Response(Buffer.from(multipart.body, "base64"), {
          headers: { "content-type": multipart.contentType! },
        }).formData(),
      )
      expect(parsed.get("purpose")).toBe("x")
      const file = parsed.get("file") as File
      expect(file.name).toBe("a.bin")
      expect(file.type).toBe("application/x-test")
      expectBytes(new Uint8Array(yield* Effect.promise(() => file.arrayBuffer())), bytes)

      // A stream still producing when the request goes out is sent chunked. (undici 8 frames one
      // that has already ended, as a stream of three pieces in hand has, with a Content-Length.)
      const pieces = Stream.concat(
        Stream.fromIterable([bytes.subarray(0, 10), new Uint8Array(0)]),
        Stream.fromEffect(Effect.as(Effect.sleep(20), bytes.subarray(10))),
      )
      const streamed = yield* echoed(
        HttpClientRequest.bodyStream(HttpClientRequest.post(server.url), pieces, { contentType: "x/y" }),
      )
      expect(streamed).toMatchObject({ contentType: "x/y", contentLength: null, transferEncoding: "chunked" })
      expect(streamed.body).toBe(base64(bytes))
    }).pipe(Effect.provide(client)),
  )

  it.live("a Stream body that fails aborts the request with the stream's error as the cause", () =>
    Effect.gen(function* () {
      let firstBytes: () => void = () => {}
      const received = new Promise<void>((resolve) => {
        firstBytes = resolve
      })
      const server = yield* rawServer((req) => req.once("data", () => firstBytes()))
      const boom = new Error("the source broke")
      const body = Stream.concat(
        Stream.make(binary(1000)),
        Stream.fromEffect(Effect.promise(() => received)).pipe(Stream.flatMap(() => Stream.fail(boom))),
      )
      const error = yield* Effect.flip(
        send(HttpClientRequest.bodyStream(HttpClientRequest.post(server.url), body)),
      )
      expect(error._tag).toBe("HttpClientError")
      expect(error.reason._tag).toBe("TransportError")
      expect(error.reason.cause).toBe(boom)
      yield* awaitPromise(
        server.connection(0).then((c) => c.closed),
        "the server sees the connection closed",
      )
    }).pipe(Effect.provide(client)),
  )

  it.live("interrupting a request waiting for headers closes its connection", () =>
    Effect.gen(function* () {
      const server = yield* rawServer(() => {
        // Never answers.
      })
      const fiber = yield* Effect.forkChild(send(HttpClientRequest.get(server.url)))
      const connection = yield* awaitPromise(server.connection(0), "the request arrives")
      yield* Fiber.interrupt(fiber)
      yield* awaitPromise(connection.closed, "the server sees the connection closed")
    }).pipe(Effect.provide(client)),
  )

  it.live("a consumer that stops reading early closes that connection; the next request uses a new one", () =>
    Effect.gen(function* () {
      const total = 64 * 1024 * 1024
      const big = bigBody(total)
      const server = yield* rawServer((req, res) =>
        req.url === "/big" ? big.handler(req, res) : echo(req, res),
      )
      const response = yield* send(HttpClientRequest.get(`${server.url}/big`))
      const first = yield* Stream.runCollect(Stream.take(response.stream, 1))
      expect(first.length).toBe(1)
      const connection = yield* awaitPromise(server.connection(0), "the first connection")
      yield* awaitPromise(connection.closed, "the server sees the first connection closed")
      expect(big.state.written).toBeLessThan(total)
      const next = yield* echoed(HttpClientRequest.get(`${server.url}/next`))
      expect(next.path).toBe("/next")
      yield* awaitPromise(server.connection(1), "a second connection")
    }).pipe(Effect.provide(client)),
  )

  it.live("a response dropped unread is destroyed once collected, closing its connection", () =>
    Effect.gen(function* () {
      const big = bigBody(64 * 1024 * 1024)
      const server = yield* rawServer(big.handler)
      // Only the status is looked at; the response is dropped with its body unread.
      expect(yield* Effect.map(send(HttpClientRequest.get(server.url)), (response) => response.status)).toBe(
        200,
      )
      const connection = yield* awaitPromise(server.connection(0), "the request arrives")
      v8.setFlagsFromString("--expose-gc")
      const gc = vm.runInNewContext("gc") as () => void
      let closed = false
      void connection.closed.then(() => {
        closed = true
      })
      for (let round = 0; round < 50 && !closed; round++) {
        gc()
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
      }
      expect(closed).toBe(true)
      expect(big.state.written).toBeLessThan(64 * 1024 * 1024)
    }).pipe(Effect.provide(client)),
  )

  it.live("a slow consumer gets every byte of a 32 MiB body", () =>
    Effect.gen(function* () {
      const total = 32 * 1024 * 1024
      const big = bigBody(total)
      const server = yield* rawServer(big.handler)
      const response = yield* send(HttpClientRequest.get(server.url))
      const sevens = Buffer.alloc(total, 7)
      const received = yield* Stream.runFold(
        Stream.mapEffect(response.stream, (chunk) => Effect.as(Effect.yieldNow, chunk)),
        () => ({ bytes: 0, allSevens: true }),
        (acc, chunk) => ({
          bytes: acc.bytes + chunk.byteLength,
          allSevens: acc.allSevens && sevens.subarray(0, chunk.byteLength).equals(chunk),
        }),
      )
      expect(received).toEqual({ bytes: total, allSevens: true })
    }).pipe(Effect.provide(client)),
  )

  it.live("releasing the layer destroys its agent, closing kept-alive connections", () =>
    Effect.gen(function* () {
      const server = yield* rawServer(echo)
      let closed = false
      yield* Effect.scoped(
        Effect.gen(function* () {
          const context = yield* Layer.build(client)
          const http = Context.get(context, HttpClient.HttpClient)
          const first = yield* Effect.flatMap(http.get(`${server.url}/1`), (r) => r.json)
          const second = yield* Effect.flatMap(http.get(`${server.url}/2`), (r) => r.json)
          expect([first, second]).toMatchObject([{ path: "/1" }, { path: "/2" }])
          const connection = yield* awaitPromise(server.connection(0), "the connection")
          void connection.closed.then(() => {
            closed = true
          })
          // Kept alive: both requests went over the one connection, which is still open.
          yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
          expect(closed).toBe(false)
        }),
      )
      yield* awaitPromise(
        server.connection(0).then((c) => c.closed),
        "the server sees the connection closed",
      )
      expect(closed).toBe(true)
    }),
  )

  it.live("the response: status, lowercase headers, cookies, and the body as text, JSON or a stream", () =>
    Effect.gen(function* () {
      const server = yield* rawServer((_req, res) => {
        res.statusCode = 201
        res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2"])
        res.setHeader("X-Multi", ["one", "two"])
        res.setHeader("Content-Type", "application/json")
        res.end('{"a":[1,"é"]}')
      })
      const response = yield* send(HttpClientRequest.get(server.url))
      expect(response.status).toBe(201)
      expect(response.headers["x-multi"]).toBe("one, two")
      expect(response.headers["content-type"]).toBe("application/json")
      expect(Cookies.toRecord(response.cookies)).toEqual({ a: "1", b: "2" })
      expect(Option.isNone(response.remoteAddress)).toBe(true)
      // Inspecting does not read the body.
      expect(response.toJSON()).not.toHaveProperty("body")
      expect(yield* response.text).toBe('{"a":[1,"é"]}')
      expect(yield* response.text).toBe('{"a":[1,"é"]}')
      expect(yield* response.json).toEqual({ a: [1, "é"] })
      const bytes = new TextEncoder().encode('{"a":[1,"é"]}')
      const streamed = yield* send(HttpClientRequest.get(server.url))
      expectBytes(Buffer.concat(yield* Stream.runCollect(streamed.stream)), bytes)
    }).pipe(Effect.provide(client)),
  )

  it.live("failures: connecting is a TransportError, a cut body a DecodeError", () =>
    Effect.gen(function* () {
      const refused = yield* Effect.scoped(Effect.map(rawServer(echo), (s) => s.url))
      const notConnected = yield* Effect.flip(send(HttpClientRequest.get(refused)))
      expect(notConnected._tag).toBe("HttpClientError")
      expect(notConnected.reason._tag).toBe("TransportError")
      expect((notConnected.reason.cause as NodeJS.ErrnoException).code).toBe("ECONNREFUSED")

      const server = yield* rawServer((_req, res) => {
        res.writeHead(200, { "content-length": "1000", "content-type": "application/json" })
        res.write("[1,2,")
        setImmediate(() => res.destroy())
      })
      const cutText = yield* Effect.flip(
        Effect.flatMap(send(HttpClientRequest.get(server.url)), (r) => r.text),
      )
      expect(cutText.reason._tag).toBe("DecodeError")
      const cutStream = yield* Effect.flip(
        Effect.flatMap(send(HttpClientRequest.get(server.url)), (r) => Stream.runDrain(r.stream)),
      )
      expect(cutStream.reason._tag).toBe("DecodeError")
      expect(cutStream.reason.cause).toBeInstanceOf(Error)
    }).pipe(Effect.provide(client)),
  )
})
