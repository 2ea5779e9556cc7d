/**
 * API calls never follow redirects. The Node layer (undici's request API, which follows none
 * unless told to) against two loopback servers, two origins: the first answers every call
 * with a 3xx pointing at the second. The call fails with the 3xx as an `ApiError` after one
 * request, and the second origin receives nothing. (The fetch layer has its own suite in
 * packages/browser/test/Redirects.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles, type ContainersClient, type ContainersError, Upload } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { nodeClientLayer, rawServer } from "./support.js"

const validFile = {
  id: "cfile_1",
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1,
  bytes: 2,
  path: "/mnt/data/a.txt",
  source: "user",
}

type Call = Effect.Effect<unknown, ContainersError.ContainersError, ContainersClient.ContainersClient>

const bytes = new TextEncoder().encode("hello, redirect")

const calls: ReadonlyArray<readonly [string, "GET" | "POST", () => Call]> = [
  ["retrieve", "GET", () => ContainerFiles.retrieve("cntr_1", "cfile_1")],
  ["content", "GET", () => Stream.runDrain(ContainerFiles.content("cntr_1", "cfile_1"))],
  ["create by file id (JSON)", "POST", () => ContainerFiles.create("cntr_1", { fileId: "file-1" })],
  [
    "create with bytes (multipart)",
    "POST",
    () => ContainerFiles.create("cntr_1", { file: Upload.fromBytes("a.txt", bytes) }),
  ],
  [
    "create with a stream (multipart)",
    "POST",
    () =>
      ContainerFiles.create("cntr_1", {
        file: Upload.fromStream("a.txt", Stream.make(bytes), { size: bytes.byteLength }),
      }),
  ],
]

describe("NodeContainersClient.layer never follows a redirect", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    for (const [name, method, call] of calls) {
      it.live(`${status} to another origin on ${method} ${name}: ApiError, sent once, never sent on`, () =>
        Effect.gen(function* () {
          const other = yield* rawServer((_, res) => {
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(validFile))
          })
          const otherOrigin = new URL(other.baseUrl).origin
          const api = yield* rawServer((req, res) => {
            req.resume()
            req.on("end", () => res.writeHead(status, { location: `${otherOrigin}${req.url}` }).end("moved"))
          })
          // Retries are immediate, so a retried redirect would show in the request count at once.
          const error = yield* call().pipe(
            Effect.provide(nodeClientLayer(api.baseUrl, { maxRetries: 2, retrySchedule: Schedule.forever })),
            Effect.flip,
          )
          expect(error._tag).toBe("ApiError")
          if (error._tag !== "ApiError") return
          expect(error.status).toBe(status)
          expect(error.method).toBe(method)
          expect(error.headers.location).toBe(`${otherOrigin}${api.requests[0]?.url}`)
          expect(error.notRetried).toBeUndefined()
          expect(error.message).toContain(`Redirect to ${otherOrigin}/v1/containers/cntr_1/files`)
          expect(error.message).toContain("not followed: API calls never follow redirects")
          expect(api.requests.map((r) => r.method)).toEqual([method])
          expect(other.requests).toEqual([])
        }),
      )
    }
  }
})
