/**
 * Upload a file from disk with a progress bar: `NodeContainerFiles.upload` streams it in
 * constant memory and re-reads it if a retry is needed. Runs against the fake API over real
 * HTTP on loopback, started in this process (no key, no network).
 *
 *   pnpm --filter @openai-containers/examples-effect4 run upload-from-path
 */

import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ContainerFiles } from "@openai-containers/core"
import { NodeContainerFiles, NodeContainersClient } from "@openai-containers/node"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import { Console, Effect, Layer, Redacted } from "effect"

const apiKey = "sk-example-fake"
const size = 32 * 1024 * 1024

/** `[##########··········]  50%  16.0 / 32.0 MiB`, redrawn in place on a terminal. */
const progressBar = () => {
  let lastStep = -1
  return ({ bytes, total }: NodeContainerFiles.Progress) =>
    Effect.sync(() => {
      const mib = (n: number) => (n / 1024 / 1024).toFixed(1)
      const ratio = total === undefined || total === 0 ? 0 : bytes / total
      const filled = Math.round(ratio * 20)
      const line = `[${"#".repeat(filled)}${"·".repeat(20 - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${mib(bytes)} / ${total === undefined ? "?" : mib(total)} MiB`
      if (process.stdout.isTTY) {
        process.stdout.write(`\r${line}${bytes === total ? "\n" : ""}`)
      } else if (Math.floor(ratio * 4) !== lastStep) {
        // Not a terminal (CI logs): one line per quarter.
        lastStep = Math.floor(ratio * 4)
        process.stdout.write(`${line}\n`)
      }
    })
}

const program = Effect.gen(function* () {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "upload-example-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
  )
  const path = nodePath.join(dir, "measurements.bin")
  fs.writeFileSync(
    path,
    new Uint8Array(size).map((_, i) => i % 251),
  )

  const api = yield* FakeContainersApi.FakeContainersApi
  const container = yield* api.createContainer({ name: "upload-example" })
  yield* Console.log(`Uploading ${path} (${size} bytes) to ${container.id}`)

  const file = yield* NodeContainerFiles.upload(container.id, path, { onProgress: progressBar() })
  yield* Console.log(`Uploaded ${file.path}: ${file.bytes} bytes (${file.id})`)

  const listed = yield* ContainerFiles.retrieve(container.id, file.id)
  if (listed.bytes !== size)
    return yield* Effect.die(new Error(`expected ${size} bytes, the API has ${listed.bytes}`))

  const missing = yield* NodeContainerFiles.upload(container.id, nodePath.join(dir, "nope.bin")).pipe(
    Effect.as("uploaded?"),
    Effect.catchTag("InvalidRequestError", (error) =>
      Effect.succeed(`InvalidRequestError: ${error.message}`),
    ),
  )
  yield* Console.log(`A missing file, before anything is sent: ${missing}`)
})

const client = Layer.unwrap(
  Effect.map(FakeContainersServer.baseUrl, (baseUrl) =>
    NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(apiKey) }),
  ),
)

program.pipe(
  Effect.scoped,
  Effect.provide(Layer.provideMerge(client, FakeContainersServer.layer({ apiKey }))),
  NodeRuntime.runMain,
)
