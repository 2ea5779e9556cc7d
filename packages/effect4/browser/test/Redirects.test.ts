/**
 * API calls never follow redirects. The fetch layer (`BrowserContainersClient.layer`, here over
 * Node's global fetch) against two loopback servers, two origins: the first answers every
 * call with a 3xx pointing at the second, which would answer 200. The call must fail with the
 * 3xx as an `ApiError`, once, and the second origin must never hear of it.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles, type ContainersClient, type ContainersError, Upload } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { BrowserContainersClient } from "../src/index.js"

interface Origin {
  readonly url: string
  readonly requests: Array<{ readonly method: string; readonly url: string; readonly bodyBytes: number }>
}

const validFile = {
  id: "cfile_1",
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1,
  bytes: 2,
  path: "/mnt/data/a.txt",
  source: "user",
}

/** A loopback server that records each request (and its body's size) and answers with `reply`. */
const origin = (reply: (req: Http.IncomingMessage, res: Http.ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.callback<{ server: Http.Server; origin: Origin }>((resume) => {
      const requests: Origin["requests"] = []
      const server = Http.createServer((req, res) => {
        let bodyBytes = 0
        req.on("data", (chunk: Buffer) => {
          bodyBytes += chunk.byteLength
        })
        req.on("end", () => {
          requests.push({ method: req.method ?? "", url: req.url ?? "", bodyBytes })
          reply(req, res)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, origin: { url: `http://127.0.0.1:${port}`, requests } }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      }),
  ).pipe(Effect.map(({ origin }) => origin))

/** The second origin: answers everything as a success, as an attacker's server would. */
const elsewhere = origin((req, res) => {
  if (req.url?.endsWith("/content")) {
    res.writeHead(200, { "content-type": "application/octet-stream" }).end("other origin's bytes")
  } else {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(validFile))
  }
})

/** The API's origin: every call is redirected, with `status`, to the same path on `target`. */
const redirecting = (status: number, target: Origin) =>
  origin((req, res) => {
    res.writeHead(status, { location: `${target.url}${req.url}`, "content-type": "text/plain" }).end("moved")
  })

type Call = Effect.Effect<unknown, ContainersError.ContainersError, ContainersClient.ContainersClient>

const bytes = new TextEncoder().encode("hello, redirect")

const calls: ReadonlyArray<readonly [string, "GET" | "POST" | "DELETE", () => Call]> = [
  ["retrieve", "GET", () => ContainerFiles.retrieve("cntr_1", "cfile_1")],
  ["list", "GET", () => ContainerFiles.list("cntr_1")],
  ["content", "GET", () => Stream.runDrain(ContainerFiles.content("cntr_1", "cfile_1"))],
  ["delete", "DELETE", () => ContainerFiles.delete("cntr_1", "cfile_1")],
  ["create by file id (JSON)", "POST", () => ContainerFiles.create("cntr_1", { fileId: "file-1" })],
  [
    "create with bytes (FormData)",
    "POST",
    () => ContainerFiles.create("cntr_1", { file: Upload.fromBytes("a.txt", bytes) }),
  ],
  [
    "create with a stream (framed multipart)",
    "POST",
    () =>
      ContainerFiles.create("cntr_1", {
        file: Upload.fromStream("a.txt", Stream.make(bytes), { size: bytes.byteLength }),
      }),
  ],
]

// Retries are immediate, so a retried redirect would show in the request count at once.
const client = (baseUrl: string) =>
  BrowserContainersClient.layer({ baseUrl, maxRetries: 2, retrySchedule: Schedule.forever })

describe("BrowserContainersClient.layer never follows a redirect", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    for (const [name, method, call] of calls) {
      it.effect(`${status} to another origin on ${method} ${name}: ApiError, sent once, never sent on`, () =>
        Effect.gen(function* () {
          const other = yield* elsewhere
          const api = yield* redirecting(status, other)
          const error = yield* call().pipe(Effect.provide(client(`${api.url}/v1`)), Effect.flip)
          expect(error._tag).toBe("ApiError")
          if (error._tag !== "ApiError") return
          expect(error.status).toBe(status)
          expect(error.method).toBe(method)
          expect(error.headers.location).toBe(`${other.url}${api.requests[0]?.url}`)
          expect(error.notRetried).toBeUndefined()
          expect(error.message).toBe(
            `${status} Redirect to ${other.url}${api.requests[0]?.url} not followed: API calls never ` +
              `follow redirects (${method} ${api.requests[0]?.url.replace(/^\/v1/, "")})`,
          )
          expect(api.requests.map((r) => r.method)).toEqual([method])
          expect(other.requests).toEqual([])
        }),
      )
    }
  }

  it.effect("a 307 to the same origin is not followed either", () =>
    Effect.gen(function* () {
      let api: Origin | undefined
      api = yield* origin((req, res) => {
        if (req.url?.startsWith("/moved/")) {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(validFile))
        } else {
          res.writeHead(307, { location: `${api!.url}/moved${req.url}` }).end()
        }
      })
      const error = yield* ContainerFiles.create("cntr_1", { fileId: "file-1" }).pipe(
        Effect.provide(client(`${api.url}/v1`)),
        Effect.flip,
      )
      expect(error._tag).toBe("ApiError")
      expect(error._tag === "ApiError" && error.status).toBe(307)
      expect(api.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /v1/containers/cntr_1/files"])
    }),
  )

  it.effect("asks fetch for redirect: manual, over a RequestInit the program provides", () =>
    Effect.gen(function* () {
      const seen: Array<RequestRedirect | undefined> = []
      const credentials: Array<RequestCredentials | undefined> = []
      // What a browser answers a manual redirect with: an opaque response, status 0, no headers.
      const fakeFetch: typeof fetch = async (_input, init) => {
        seen.push(init?.redirect)
        credentials.push(init?.credentials)
        return Response.error()
      }
      const error = yield* ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(
        Effect.provide(client("https://api.example.test/v1")),
        Effect.provideService(FetchHttpClient.Fetch, fakeFetch),
        Effect.provideService(FetchHttpClient.RequestInit, { redirect: "follow", credentials: "include" }),
        Effect.flip,
      )
      expect(seen).toEqual(["manual"])
      // The program's other fetch options still apply.
      expect(credentials).toEqual(["include"])
      expect(error._tag).toBe("ApiError")
      if (error._tag !== "ApiError") return
      expect(error.status).toBe(0)
      expect(error.headers).toEqual({})
      expect(error.notRetried).toBeUndefined()
      expect(error.message).toBe(
        "0 Redirect refused: API calls never follow redirects (the browser hides a redirect's status and " +
          "Location) (GET /containers/cntr_1/files/cfile_1)",
      )
    }),
  )

  it.effect("keeps redirect: manual over a RequestInit provided where the layer is built", () =>
    Effect.gen(function* () {
      const seen: Array<readonly [RequestRedirect | undefined, RequestCredentials | undefined]> = []
      const fakeFetch: typeof fetch = async (_input, init) => {
        seen.push([init?.redirect, init?.credentials])
        return Response.error()
      }
      const built = client("https://api.example.test/v1").pipe(
        Layer.provide(
          Layer.succeed(FetchHttpClient.RequestInit, { redirect: "follow", credentials: "include" }),
        ),
      )
      const error = yield* ContainerFiles.retrieve("cntr_1", "cfile_1").pipe(
        Effect.provide(built),
        Effect.provideService(FetchHttpClient.Fetch, fakeFetch),
        Effect.flip,
      )
      expect(seen).toEqual([["manual", "include"]])
      expect(error._tag === "ApiError" && error.status).toBe(0)
    }),
  )
})
