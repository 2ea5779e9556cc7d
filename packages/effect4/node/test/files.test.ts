/**
 * `readExactly`, the file reader under `NodeUpload.fromPath`: exact bytes, a file that shrank,
 * and the descriptor closed when the reader stops early.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { readExactly } from "../src/internal/files.js"
import { binary, expectBytes } from "./endpointSuite.js"

const tempFile = (bytes: Uint8Array) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "node-files-"))
      const path = nodePath.join(dir, "data.bin")
      fs.writeFileSync(path, bytes)
      return path
    }),
    (path) => Effect.sync(() => fs.rmSync(nodePath.dirname(path), { recursive: true, force: true })),
  )

const collect = (stream: Stream.Stream<Uint8Array, unknown>) =>
  Effect.map(Stream.runCollect(stream), (list) => {
    return { bytes: Buffer.concat(list), sizes: list.map((chunk) => chunk.byteLength) }
  })

/**
 * How many descriptors this process holds open on `path` (Linux). Only those: the test runner's
 * own descriptors come and go while a test runs.
 */
const descriptorsOn = (path: string) =>
  fs.readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === path
    } catch {
      return false // closed since the listing
    }
  }).length

describe("readExactly", () => {
  it.effect("reads the file's exact bytes in chunks of 64 KiB", () =>
    Effect.gen(function* () {
      const bytes = binary(700 * 1024 + 3)
      const path = yield* tempFile(bytes)
      const { bytes: read, sizes } = yield* collect(readExactly(path, bytes.byteLength))
      expectBytes(read, bytes)
      expect(sizes).toEqual([...Array<number>(10).fill(64 * 1024), 60 * 1024 + 3])
    }),
  )

  it.effect("reads only the first `size` bytes of a file that grew", () =>
    Effect.gen(function* () {
      const bytes = binary(1000)
      const path = yield* tempFile(bytes)
      const { bytes: read } = yield* collect(readExactly(path, 600))
      expectBytes(read, bytes.subarray(0, 600))
    }),
  )

  it.effect("reads nothing for a size of 0", () =>
    Effect.gen(function* () {
      const path = yield* tempFile(binary(10))
      expect((yield* collect(readExactly(path, 0))).sizes).toEqual([])
    }),
  )

  it.effect("fails with InvalidRequestError when the file is shorter than `size`", () =>
    Effect.gen(function* () {
      const path = yield* tempFile(binary(1000))
      const error = yield* Effect.flip(collect(readExactly(path, 1500)))
      expect(error).toMatchObject({
        _tag: "InvalidRequestError",
        message: `${path} shrank to 1000 bytes while it was sent (expected 1500)`,
      })
    }),
  )

  it.effect("fails with the system error when the file is gone", () =>
    Effect.gen(function* () {
      const path = yield* tempFile(binary(10))
      fs.rmSync(path)
      const error = yield* Effect.flip(collect(readExactly(path, 10)))
      expect(error).toMatchObject({ code: "ENOENT", path })
    }),
  )

  it.live.skipIf(!fs.existsSync("/proc/self/fd"))("closes the file when the reader stops early", () =>
    Effect.scoped(
      Effect.gen(function* () {
        // 64 MiB (sparse): a reader left running would take a thousand reads to reach the end
        // and close the file on its own, far more than the turns allowed below.
        const size = 64 * 1024 * 1024
        const path = yield* tempFile(binary(1000))
        fs.truncateSync(path, size)
        let whileReading = -1
        const first = yield* Stream.runHead(
          Stream.tap(readExactly(path, size), () => Effect.sync(() => (whileReading = descriptorsOn(path)))),
        )
        expect(Option.map(first, (chunk) => chunk.byteLength)).toEqual(Option.some(64 * 1024))
        expect(whileReading).toBe(1)
        // A destroyed read stream closes its descriptor a few turns of the event loop later.
        for (let turn = 0; turn < 20 && descriptorsOn(path) !== 0; turn++) {
          yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
        }
        expect(descriptorsOn(path)).toBe(0)
      }),
    ),
  )
})
