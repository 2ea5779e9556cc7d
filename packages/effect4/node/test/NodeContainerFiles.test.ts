import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles } from "@openai-containers/core"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { TestClock } from "effect/testing"
import { NodeContainerFiles, NodeContainersClient, NodeUpload } from "../src/index.js"
import { apiKey, binary, expectBytes, newContainer, withClient } from "./endpointSuite.js"

const client = withClient(NodeContainersClient.layer)

/** A fresh directory, removed when the test's scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "node-container-files-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

const seededFile = (size: number) =>
  Effect.gen(function* () {
    const api = yield* FakeContainersApi.FakeContainersApi
    const container = yield* newContainer
    const bytes = binary(size)
    const file = yield* api.addFile(container.id, { filename: "data.bin", bytes })
    return { api, containerId: container.id, fileId: file.id, bytes }
  })

describe("NodeContainerFiles", () => {
  it.layer(FakeContainersServer.layer({ apiKey }))((it) => {
    it.effect("upload sends the file's exact bytes under its name, reporting progress to the total", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* newContainer
        const dir = yield* tempDir
        const bytes = binary(1_000_000)
        const path = nodePath.join(dir, "report.csv")
        fs.writeFileSync(path, bytes)
        const seen: Array<NodeContainerFiles.Progress> = []
        const file = yield* NodeContainerFiles.upload(container.id, path, {
          onProgress: (progress) => Effect.sync(() => seen.push(progress)),
        }).pipe(client)
        expect(file.path).toBe("/mnt/data/report.csv")
        expect(file.bytes).toBe(bytes.byteLength)
        expectBytes(Option.getOrThrow(yield* api.fileBytes(container.id, file.id)), bytes)
        expect(seen[0]).toEqual({ bytes: 0, total: bytes.byteLength })
        expect(seen.at(-1)).toEqual({ bytes: bytes.byteLength, total: bytes.byteLength })
        expect(seen.every((p, i) => i === 0 || p.bytes > seen[i - 1]!.bytes)).toBe(true)
      }),
    )

    it.effect("upload re-reads the file for a retry and sends it whole again", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* newContainer
        const dir = yield* tempDir
        const bytes = binary(300_000)
        const path = nodePath.join(dir, "retry.bin")
        fs.writeFileSync(path, bytes)
        yield* api.clearRequests
        yield* api.injectFault({ match: { method: "POST" }, fault: { _tag: "Status", status: 503 } })
        const file = yield* NodeContainerFiles.upload(container.id, path).pipe(
          withClient(NodeContainersClient.layer, { maxRetries: 1, retrySchedule: Schedule.forever }),
        )
        const requests = yield* api.requests
        expect(requests.map((r) => r.status)).toEqual([503, 200])
        expect(requests[0]!.bodySize).toBe(requests[1]!.bodySize)
        expectBytes(Option.getOrThrow(yield* api.fileBytes(container.id, file.id)), bytes)
      }),
    )

    it.effect("a missing file fails with InvalidRequestError before anything is sent", () =>
      Effect.gen(function* () {
        const api = yield* FakeContainersApi.FakeContainersApi
        const container = yield* newContainer
        const dir = yield* tempDir
        yield* api.clearRequests
        const error = yield* Effect.flip(
          NodeContainerFiles.upload(container.id, nodePath.join(dir, "nope.bin")).pipe(client),
        )
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).toBe(`No file at ${nodePath.join(dir, "nope.bin")}`)
        const directory = yield* Effect.flip(NodeUpload.fromPath(dir))
        expect(directory._tag).toBe("InvalidRequestError")
        expect(directory.message).toBe(`${dir} is not a regular file`)
        expect(yield* api.requests).toEqual([])
      }),
    )

    it.effect("a file that changed size after fromPath fails the attempt with InvalidRequestError", () =>
      Effect.gen(function* () {
        const container = yield* newContainer
        const dir = yield* tempDir
        const path = nodePath.join(dir, "grows.bin")
        fs.writeFileSync(path, binary(10))
        const upload = yield* NodeUpload.fromPath(path)
        fs.appendFileSync(path, binary(5))
        const error = yield* Effect.flip(ContainerFiles.create(container.id, { file: upload }).pipe(client))
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).toBe(`${path} changed size from 10 to 15 bytes since the upload was made`)
      }),
    )

    it.effect("download writes exactly the file's bytes, with progress from 0 to the Content-Length", () =>
      Effect.gen(function* () {
        const { containerId, fileId, bytes } = yield* seededFile(2_000_000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "out.bin")
        const seen: Array<NodeContainerFiles.Progress> = []
        yield* NodeContainerFiles.download(containerId, fileId, target, {
          onProgress: (progress) => Effect.sync(() => seen.push(progress)),
        }).pipe(client)
        expectBytes(fs.readFileSync(target), bytes)
        expect(fs.readdirSync(dir)).toEqual(["out.bin"])
        expect(seen[0]).toEqual({ bytes: 0, total: bytes.byteLength })
        expect(seen.at(-1)).toEqual({ bytes: bytes.byteLength, total: bytes.byteLength })
      }),
    )

    it.effect("download replaces an existing target only on success", () =>
      Effect.gen(function* () {
        const { containerId, fileId, bytes } = yield* seededFile(1000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "out.bin")
        fs.writeFileSync(target, "old")
        yield* NodeContainerFiles.download(containerId, fileId, target).pipe(client)
        expectBytes(fs.readFileSync(target), bytes)
        expect(fs.readdirSync(dir)).toEqual(["out.bin"])
      }),
    )

    it.effect("a failed download leaves the target untouched and no temp file", () =>
      Effect.gen(function* () {
        const { containerId } = yield* seededFile(1000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "out.bin")
        fs.writeFileSync(target, "old")
        const error = yield* Effect.flip(
          NodeContainerFiles.download(containerId, "cfile_missing", target).pipe(client),
        )
        expect(error._tag).toBe("NotFoundError")
        expect(fs.readFileSync(target, "utf8")).toBe("old")
        expect(fs.readdirSync(dir)).toEqual(["out.bin"])
      }),
    )

    it.effect("a download that stalls mid-body times out, leaving no file at the target", () =>
      Effect.gen(function* () {
        const { api, containerId, fileId } = yield* seededFile(1_000_000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "out.bin")
        yield* api.injectFault({
          match: { path: /\/content$/ },
          fault: { _tag: "Stall", afterBytes: 200_000 },
        })
        // Wait for the whole 200 kB prefix: only then has the stall begun. Moving the clock
        // earlier lets the watchdog re-arm after the jump, on a clock that never moves again.
        const stalled = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          NodeContainerFiles.download(containerId, fileId, target, {
            onProgress: (progress) =>
              progress.bytes >= 200_000 ? Deferred.succeed(stalled, undefined) : Effect.void,
          }).pipe(withClient(NodeContainersClient.layer, { timeout: "30 seconds" })),
        )
        yield* Deferred.await(stalled)
        expect(fs.readdirSync(dir).length).toBe(1) // the temp file, not the target
        expect(fs.existsSync(target)).toBe(false)
        // Socket I/O runs on the real event loop: let it settle between clock steps.
        for (let step = 0; step < 10 && fiber.pollUnsafe() === undefined; step++) {
          yield* TestClock.adjust("31 seconds")
          yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
        }
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(error._tag).toBe("TimeoutError")
        expect(error._tag === "TimeoutError" && error.phase).toBe("idle")
        expect(fs.readdirSync(dir)).toEqual([])
      }),
    )

    it.effect("an interrupted download leaves the target untouched and no temp file", () =>
      Effect.gen(function* () {
        const { api, containerId, fileId } = yield* seededFile(1_000_000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "out.bin")
        fs.writeFileSync(target, "old")
        yield* api.injectFault({
          match: { path: /\/content$/ },
          fault: { _tag: "Stall", afterBytes: 200_000 },
        })
        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          NodeContainerFiles.download(containerId, fileId, target, {
            onProgress: (progress) =>
              progress.bytes > 0 ? Deferred.succeed(started, undefined) : Effect.void,
          }).pipe(client),
        )
        yield* Deferred.await(started)
        expect(fs.readdirSync(dir).length).toBe(2)
        yield* Fiber.interrupt(fiber)
        expect(fs.readFileSync(target, "utf8")).toBe("old")
        expect(fs.readdirSync(dir)).toEqual(["out.bin"])
      }),
    )
  })
})
