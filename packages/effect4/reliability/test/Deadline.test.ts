/**
 * A server that sends one byte just inside the idle timeout, forever: the idle timeout never
 * fires, so only the content deadline ends the download, over real HTTP, with the request
 * aborted and nothing left at the target path.
 */
import * as fs from "node:fs"
import * as nodePath from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles } from "@openai-containers/core"
import { NodeContainerFiles } from "@openai-containers/node"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { nodeClientLayer, rawServer, tempDir } from "./support.js"

/** Answers 200, then a byte every 20 ms until the client goes away. */
const trickle = rawServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/octet-stream" })
  const timer = setInterval(() => res.write(new Uint8Array([7])), 20)
  res.on("close", () => clearInterval(timer))
})

describe("a download that never ends", () => {
  it.live("content with a deadline fails with TimeoutError (deadline) and aborts the request", () =>
    Effect.gen(function* () {
      const server = yield* trickle
      // The idle timeout is far above the gaps between bytes, so only the deadline can end it.
      const error = yield* ContainerFiles.content("cntr_1", "cfile_1", { deadline: "400 millis" }).pipe(
        Stream.runDrain,
        Effect.flip,
        Effect.provide(nodeClientLayer(server.baseUrl, { timeout: "30 seconds", maxRetries: 0 })),
      )
      expect(error._tag === "TimeoutError" && error.phase).toBe("deadline")
      expect(server.requests).toHaveLength(1)
      yield* Effect.promise(() => server.requests[0]!.aborted)
    }),
  )

  it.live("NodeContainerFiles.download with a deadline leaves nothing at the target", () =>
    Effect.gen(function* () {
      const server = yield* trickle
      const dir = yield* tempDir
      const target = nodePath.join(dir, "out.bin")
      const error = yield* NodeContainerFiles.download("cntr_1", "cfile_1", target, {
        deadline: "400 millis",
      }).pipe(
        Effect.flip,
        Effect.provide(nodeClientLayer(server.baseUrl, { timeout: "30 seconds", maxRetries: 0 })),
      )
      expect(error._tag === "TimeoutError" && error.phase).toBe("deadline")
      expect(fs.readdirSync(dir)).toEqual([])
    }),
  )
})
