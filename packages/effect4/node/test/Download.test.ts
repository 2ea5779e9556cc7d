/**
 * `NodeContainerFiles.download` and the file system: the mode of a replaced file, symbolic
 * links, targets that cannot be written (checked before any request) and temp-file names at
 * the file-name limit.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { TestClock } from "effect/testing"
import { NodeContainerFiles, NodeContainersClient } from "../src/index.js"
import { apiKey, binary, expectBytes, newContainer, withClient } from "./endpointSuite.js"

const client = withClient(NodeContainersClient.layer)

/** A fresh directory, removed when the test's scope closes. */
const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "node-download-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
)

/** A container holding one file, with the fake's faults and request log cleared. */
const seededFile = (size: number) =>
  Effect.gen(function* () {
    const api = yield* FakeContainersApi.FakeContainersApi
    yield* api.clearFaults
    const container = yield* newContainer
    const bytes = binary(size)
    const file = yield* api.addFile(container.id, { filename: "data.bin", bytes })
    yield* api.clearRequests
    return { api, containerId: container.id, fileId: file.id, bytes }
  })

const mode = (path: string): number => fs.statSync(path).mode & 0o777

/**
 * Starts a download to `target` that stalls after 200 kB of body, runs `inspect` once bytes
 * were written to the temp file, then interrupts the download.
 */
const whileStalled = <A>(containerId: string, fileId: string, target: string, inspect: () => A) =>
  Effect.gen(function* () {
    const api = yield* FakeContainersApi.FakeContainersApi
    yield* api.injectFault({ match: { path: /\/content$/ }, fault: { _tag: "Stall", afterBytes: 200_000 } })
    const started = yield* Deferred.make<void>()
    const fiber = yield* Effect.forkChild(
      NodeContainerFiles.download(containerId, fileId, target, {
        onProgress: (progress) => (progress.bytes > 0 ? Deferred.succeed(started, undefined) : Effect.void),
      }).pipe(client),
    )
    // A download that fails before writing anything fails the test here instead of hanging it.
    yield* Effect.raceFirst(Deferred.await(started), Fiber.join(fiber))
    const seen = inspect()
    yield* Fiber.interrupt(fiber)
    return seen
  })

/** A temp file's name: `.`, the target's name (cut to `prefix`), 12 hex digits, `.download`. */
const tempPattern = (prefix: string) =>
  new RegExp(`^\\.${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.[0-9a-f]{12}\\.download$`, "u")

describe("NodeContainerFiles.download on disk", () => {
  it.layer(FakeContainersServer.layer({ apiKey }))((it) => {
    it.effect("replacing a file keeps its permission bits (0600, 0755, 0444)", () =>
      Effect.gen(function* () {
        const { containerId, fileId, bytes } = yield* seededFile(1000)
        const dir = yield* tempDir
        for (const bits of [0o600, 0o755, 0o444]) {
          const target = nodePath.join(dir, "out.bin")
          fs.writeFileSync(target, "old")
          fs.chmodSync(target, bits)
          yield* NodeContainerFiles.download(containerId, fileId, target).pipe(client)
          expectBytes(fs.readFileSync(target), bytes)
          expect(mode(target)).toBe(bits)
          expect(fs.readdirSync(dir)).toEqual(["out.bin"])
          fs.rmSync(target)
        }
      }),
    )

    it.effect("the temp file replacing a 0600 file is 0600 before its first byte is written", () =>
      Effect.gen(function* () {
        const { containerId, fileId } = yield* seededFile(1_000_000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "secret.bin")
        fs.writeFileSync(target, "old")
        fs.chmodSync(target, 0o600)
        const modes = yield* whileStalled(containerId, fileId, target, () =>
          fs
            .readdirSync(dir)
            .map((name) => [name === "secret.bin" ? name : "temp", mode(nodePath.join(dir, name))]),
        )
        expect(modes.sort()).toEqual([
          ["secret.bin", 0o600],
          ["temp", 0o600],
        ])
        expect(fs.readFileSync(target, "utf8")).toBe("old")
        expect(fs.readdirSync(dir)).toEqual(["secret.bin"])
      }),
    )

    it.effect("through a symbolic link: writes the file it points to, beside it, and keeps the link", () =>
      Effect.gen(function* () {
        const { containerId, fileId, bytes } = yield* seededFile(1_000_000)
        const dir = yield* tempDir
        fs.mkdirSync(nodePath.join(dir, "real"))
        fs.mkdirSync(nodePath.join(dir, "links"))
        const real = nodePath.join(dir, "real", "data.bin")
        const link = nodePath.join(dir, "links", "out.bin")
        fs.writeFileSync(real, "old")
        fs.chmodSync(real, 0o640)
        fs.symlinkSync("../real/data.bin", link)
        const during = yield* whileStalled(containerId, fileId, link, () => ({
          links: fs.readdirSync(nodePath.join(dir, "links")),
          real: fs.readdirSync(nodePath.join(dir, "real")).filter((name) => name !== "data.bin"),
        }))
        expect(during.links).toEqual(["out.bin"])
        expect(during.real).toHaveLength(1)
        expect(during.real[0]).toMatch(tempPattern("data.bin"))
        yield* NodeContainerFiles.download(containerId, fileId, link).pipe(client)
        expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
        expect(fs.readlinkSync(link)).toBe("../real/data.bin")
        expectBytes(fs.readFileSync(real), bytes)
        expect(mode(real)).toBe(0o640)
        expect(fs.readdirSync(nodePath.join(dir, "real"))).toEqual(["data.bin"])
        expect(fs.readdirSync(nodePath.join(dir, "links"))).toEqual(["out.bin"])
      }),
    )

    it.effect("a dangling symbolic link fails with InvalidRequestError before any request", () =>
      Effect.gen(function* () {
        const { api, containerId, fileId } = yield* seededFile(1000)
        const dir = yield* tempDir
        const link = nodePath.join(dir, "out.bin")
        fs.symlinkSync("missing.bin", link)
        const error = yield* Effect.flip(NodeContainerFiles.download(containerId, fileId, link).pipe(client))
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).toBe(
          `Cannot download to ${link}: it is a symbolic link to missing.bin, which does not exist`,
        )
        expect(yield* api.requests).toEqual([])
        expect(fs.readdirSync(dir)).toEqual(["out.bin"])
        expect(fs.readlinkSync(link)).toBe("missing.bin")
      }),
    )

    it.effect("a loop of symbolic links and a device fail with InvalidRequestError before any request", () =>
      Effect.gen(function* () {
        const { api, containerId, fileId } = yield* seededFile(1000)
        const dir = yield* tempDir
        fs.symlinkSync("b", nodePath.join(dir, "a"))
        fs.symlinkSync("a", nodePath.join(dir, "b"))
        const loop = yield* Effect.flip(
          NodeContainerFiles.download(containerId, fileId, nodePath.join(dir, "a")).pipe(client),
        )
        expect(loop._tag).toBe("InvalidRequestError")
        expect(loop.message).toBe(
          `Cannot download to ${nodePath.join(dir, "a")}: it is a symbolic link to b, which cannot be resolved`,
        )
        const device = yield* Effect.flip(
          NodeContainerFiles.download(containerId, fileId, "/dev/null").pipe(client),
        )
        expect(device._tag).toBe("InvalidRequestError")
        expect(device.message).toBe("Cannot download to /dev/null: it is not a regular file")
        expect(yield* api.requests).toEqual([])
        expect(fs.readdirSync(dir).sort()).toEqual(["a", "b"])
      }),
    )

    it.effect(
      "a directory (or a link to one) as the target fails with InvalidRequestError before any request",
      () =>
        Effect.gen(function* () {
          const { api, containerId, fileId } = yield* seededFile(1000)
          const dir = yield* tempDir
          const target = nodePath.join(dir, "out")
          fs.mkdirSync(target)
          fs.symlinkSync("out", nodePath.join(dir, "link"))
          for (const path of [target, nodePath.join(dir, "link")]) {
            const error = yield* Effect.flip(
              NodeContainerFiles.download(containerId, fileId, path).pipe(client),
            )
            expect(error._tag).toBe("InvalidRequestError")
            expect(error.message).toBe(`Cannot download to ${path}: it is a directory`)
          }
          expect(yield* api.requests).toEqual([])
          expect(fs.readdirSync(dir).sort()).toEqual(["link", "out"])
          expect(fs.readdirSync(target)).toEqual([])
        }),
    )

    it.effect("a missing directory fails with InvalidRequestError before any request", () =>
      Effect.gen(function* () {
        const { api, containerId, fileId } = yield* seededFile(1000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "missing", "out.bin")
        const error = yield* Effect.flip(
          NodeContainerFiles.download(containerId, fileId, target).pipe(client),
        )
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).toBe(
          `Cannot download to ${target}: directory ${nodePath.join(dir, "missing")} does not exist`,
        )
        expect(yield* api.requests).toEqual([])
        expect(fs.readdirSync(dir)).toEqual([])
      }),
    )

    it.effect("a directory that is a file fails with InvalidRequestError before any request", () =>
      Effect.gen(function* () {
        const { api, containerId, fileId } = yield* seededFile(1000)
        const dir = yield* tempDir
        const file = nodePath.join(dir, "file.txt")
        fs.writeFileSync(file, "not a directory")
        for (const target of [nodePath.join(file, "out.bin"), nodePath.join(file, "sub", "out.bin")]) {
          const error = yield* Effect.flip(
            NodeContainerFiles.download(containerId, fileId, target).pipe(client),
          )
          expect(error._tag).toBe("InvalidRequestError")
          expect(error.message).toBe(
            `Cannot download to ${target}: ${nodePath.dirname(target)} is not a directory`,
          )
        }
        expect(yield* api.requests).toEqual([])
        expect(fs.readdirSync(dir)).toEqual(["file.txt"])
      }),
    )

    it.effect("a deadline ends a stalled download: TimeoutError, the target kept, no temp file left", () =>
      Effect.gen(function* () {
        const { api, containerId, fileId } = yield* seededFile(1_000_000)
        const dir = yield* tempDir
        const target = nodePath.join(dir, "out.bin")
        fs.writeFileSync(target, "old")
        yield* api.injectFault({
          match: { path: /\/content$/ },
          fault: { _tag: "Stall", afterBytes: 200_000 },
        })
        const written = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          NodeContainerFiles.download(containerId, fileId, target, {
            deadline: "30 seconds",
            onProgress: (progress) =>
              progress.bytes > 0 ? Deferred.succeed(written, undefined) : Effect.void,
          }).pipe(client, Effect.flip),
        )
        yield* Effect.raceFirst(Deferred.await(written), Effect.asVoid(Fiber.join(fiber)))
        expect(fs.readdirSync(dir)).toHaveLength(2)
        // The deadline runs on the Effect Clock: the test's.
        yield* TestClock.adjust("30 seconds")
        const error = yield* Fiber.join(fiber)
        expect(error).toMatchObject({ _tag: "TimeoutError", phase: "deadline" })
        expect(error.message).toMatch(/^The content did not arrive in full within 30s \(GET /)
        expect(fs.readFileSync(target, "utf8")).toBe("old")
        expect(fs.readdirSync(dir)).toEqual(["out.bin"])
      }),
    )

    it.effect("target names of 254 and 255 bytes download, their temp names within 255 bytes", () =>
      Effect.gen(function* () {
        const { containerId, fileId, bytes } = yield* seededFile(1_000_000)
        const dir = yield* tempDir
        // [name, the part of it the temp name keeps]: 232 bytes, cut between characters.
        const cases: ReadonlyArray<readonly [string, string]> = [
          ["a".repeat(254), "a".repeat(232)],
          ["b".repeat(255), "b".repeat(232)],
          ["€".repeat(85), "€".repeat(77)],
          [`a${"😀".repeat(63)}a`, `a${"😀".repeat(57)}`],
          ["short.bin", "short.bin"],
        ]
        for (const [name, prefix] of cases) {
          const target = nodePath.join(dir, name)
          const temps = yield* whileStalled(containerId, fileId, target, () => fs.readdirSync(dir))
          expect(temps).toHaveLength(1)
          expect(temps[0]).toMatch(tempPattern(prefix))
          expect(Buffer.byteLength(temps[0]!)).toBe(Buffer.byteLength(prefix) + 23)
          expect(Buffer.byteLength(temps[0]!)).toBeLessThanOrEqual(255)
          expect(fs.readdirSync(dir)).toEqual([])
          yield* NodeContainerFiles.download(containerId, fileId, target).pipe(client)
          expectBytes(fs.readFileSync(target), bytes)
          expect(fs.readdirSync(dir)).toEqual([name])
          fs.rmSync(target)
        }
      }),
    )
  })
})
