/**
 * Download a container file to disk: `NodeContainerFiles.download` streams it into a temp
 * file beside the target and renames it into place only when every byte is written, so a
 * failure never leaves a partial file. Runs against the fake API over real HTTP on loopback,
 * started in this process (no key, no network), and shows a failure leaving the target alone.
 *
 *   pnpm --filter @openai-containers/examples-effect4 run download-to-path
 */

import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { NodeContainerFiles, NodeContainersClient } from "@openai-containers/node"
import { FakeContainersApi, FakeContainersServer } from "@openai-containers/testing"
import { Console, Effect, Layer, Redacted } from "effect"

const apiKey = "sk-example-fake"
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 16)

const program = Effect.gen(function* () {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(nodePath.join(os.tmpdir(), "download-example-"))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })),
  )
  const api = yield* FakeContainersApi.FakeContainersApi
  const container = yield* api.createContainer({ name: "download-example" })
  const bytes = new Uint8Array(16 * 1024 * 1024).map((_, i) => (i * 31) % 256)
  const file = yield* api.addFile(container.id, { filename: "results.bin", bytes })

  const target = nodePath.join(dir, "results.bin")
  let reports = 0
  yield* NodeContainerFiles.download(container.id, file.id, target, {
    onProgress: ({ bytes, total }) =>
      Effect.sync(() => {
        reports += 1
        if (bytes === total) console.log(`  ${bytes} of ${total} bytes written`)
      }),
  })
  const written = fs.readFileSync(target)
  yield* Console.log(
    `Downloaded ${file.path} to ${target}: ${written.byteLength} bytes, sha256 ${sha256(written)} ` +
      `(the API's: ${sha256(bytes)}), ${reports} progress reports`,
  )

  // The connection stalls mid-body and the idle timeout fires: the old target stays as it was.
  fs.writeFileSync(target, "previous version\n")
  yield* api.injectFault({ match: { path: /\/content$/ }, fault: { _tag: "Stall", afterBytes: 1024 * 1024 } })
  const failed = yield* NodeContainerFiles.download(container.id, file.id, target).pipe(
    withShortTimeout,
    Effect.as("downloaded?"),
    Effect.catchTag("TimeoutError", (error) => Effect.succeed(`TimeoutError (${error.message})`)),
  )
  yield* Console.log(`A download that stalls: ${failed}`)
  yield* Console.log(
    `The target still holds ${JSON.stringify(fs.readFileSync(target, "utf8"))}; files in the folder: ${fs.readdirSync(dir).join(", ")}`,
  )
})

// One call with a short idle timeout, so the stalled download fails quickly.
const withShortTimeout = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(FakeContainersServer.baseUrl, (baseUrl) =>
    Effect.provide(
      self,
      NodeContainersClient.layer({ baseUrl, apiKey: Redacted.make(apiKey), timeout: "300 millis" }),
    ),
  )

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
