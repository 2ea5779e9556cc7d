/**
 * Quickstart: create a container, upload files three ways, stream the listing, read a file,
 * delete. Runs against the in-process fake API by default (no key, no network); pass
 * `--live` with OPENAI_API_KEY set to run it against the real API.
 *
 *   pnpm --filter @openai-containers/examples-effect4 run quickstart [--live]
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ContainerFiles, Containers, ContainersClient, Upload } from "@openai-containers/core"
import { NodeContainersClient } from "@openai-containers/node"
import { FakeContainersApi } from "@openai-containers/testing"
import { Console, Effect, Layer, Redacted, Stream } from "effect"

const live = process.argv.includes("--live")

const program = Effect.gen(function* () {
  yield* Console.log(
    live ? "Using the real API." : "Using the in-process fake API (pass --live for the real one).",
  )

  const container = yield* Containers.create({ name: "quickstart", memory_limit: "1g" })
  yield* Console.log(`Created container ${container.id} (${container.status})`)

  const encoder = new TextEncoder()
  const hello = yield* ContainerFiles.create(container.id, {
    file: Upload.fromBytes("hello.txt", encoder.encode("Hello from Effect!\n")),
  })
  yield* ContainerFiles.create(container.id, {
    file: Upload.fromBlob(new Blob(["city,population\nParis,2102650\n"], { type: "text/csv" }), "cities.csv"),
  })
  const lines = Stream.range(1, 1000).pipe(Stream.map((n) => encoder.encode(`${n}\n`)))
  yield* ContainerFiles.create(container.id, { file: Upload.fromStream("numbers.txt", lines) })
  yield* Console.log("Uploaded 3 files (from bytes, a Blob and a stream)")

  yield* Console.log("Files, oldest first:")
  yield* ContainerFiles.stream(container.id, { order: "asc", limit: 2 }).pipe(
    Stream.runForEach((file) => Console.log(`  ${file.path}  ${file.bytes} bytes  (${file.id})`)),
  )

  const text = new TextDecoder().decode(yield* ContainerFiles.contentBytes(container.id, hello.id))
  yield* Console.log(`Content of hello.txt: ${JSON.stringify(text)}`)

  const deletedFile = yield* ContainerFiles.delete(container.id, hello.id)
  yield* Console.log(`Deleted file ${deletedFile.id}: ${deletedFile.deleted}`)

  const missing = yield* ContainerFiles.retrieve(container.id, hello.id).pipe(
    Effect.as("still there?"),
    Effect.catchTag("NotFoundError", (error) => Effect.succeed(`NotFoundError ${error.status} as expected`)),
  )
  yield* Console.log(`Retrieving it again: ${missing}`)

  const deleted = yield* Containers.delete(container.id)
  yield* Console.log(`Deleted container ${deleted.id}: ${deleted.deleted}`)
})

const FakeClient = ContainersClient.layer({
  apiKey: Redacted.make("sk-fake-quickstart"),
  baseUrl: FakeContainersApi.baseUrl,
}).pipe(Layer.provide(FakeContainersApi.layerClient()))

if (live && process.env.OPENAI_API_KEY === undefined) {
  console.error("--live needs OPENAI_API_KEY in the environment.")
  process.exit(1)
}

program.pipe(Effect.provide(live ? NodeContainersClient.layerConfig() : FakeClient), NodeRuntime.runMain)
