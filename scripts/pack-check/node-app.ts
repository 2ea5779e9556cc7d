/**
 * The Node program `pack-check.ts` type-checks and runs in a fresh npm app, against the packed
 * packages (copied there as `app.ts`; type-checked here too, against the sources). With no
 * argument it talks to the in-process fake; given a base URL, to the packed
 * `fake-containers-api` command over HTTP, through `NodeContainersClient`.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { ContainerFiles, Containers, ContainersClient, Upload } from "@openai-containers/core"
import { NodeContainerFiles, NodeContainersClient } from "@openai-containers/node"
import { FakeContainersApi } from "@openai-containers/testing"
import * as FakeApi from "@openai-containers/testing/FakeContainersApi"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"

const baseUrl = process.argv[2]
const apiKey = Redacted.make("sk-pack-check")

const expect = (ok: boolean, what: string) =>
  ok ? Effect.void : Effect.die(new Error(`pack check: expected ${what}`))

const program = Effect.gen(function* () {
  const container = yield* Containers.create({ name: "pack-check" })
  const bytes = new TextEncoder().encode("packed, installed and run with plain node\n")
  const file = yield* ContainerFiles.create(container.id, { file: Upload.fromBytes("hello.txt", bytes) })
  const listed = yield* Stream.runCollect(ContainerFiles.stream(container.id, { order: "asc" }))
  yield* expect(
    Chunk.toReadonlyArray(listed).some((f) => f.id === file.id),
    "the file in the listing",
  )
  const content = yield* ContainerFiles.contentBytes(container.id, file.id)
  yield* expect(Buffer.from(content).equals(Buffer.from(bytes)), "the content as uploaded")

  if (baseUrl !== undefined) {
    // Files on disk, through the Node package: upload from a path, download to a path.
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "pack-check-files-"))
    try {
      const source = nodePath.join(dir, "source.bin")
      fs.writeFileSync(source, Buffer.alloc(256 * 1024, 7))
      const uploaded = yield* NodeContainerFiles.upload(container.id, source)
      const target = nodePath.join(dir, "target.bin")
      yield* NodeContainerFiles.download(container.id, uploaded.id, target)
      yield* expect(
        fs.readFileSync(target).equals(fs.readFileSync(source)),
        "the downloaded file as uploaded",
      )
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }

  yield* ContainerFiles.delete(container.id, file.id)
  const gone = yield* ContainerFiles.retrieve(container.id, file.id).pipe(
    Effect.as("found"),
    Effect.catchTag("NotFoundError", (error) => Effect.succeed(`NotFoundError ${error.status}`)),
  )
  yield* expect(gone === "NotFoundError 404", `a NotFoundError for the deleted file, got ${gone}`)
  yield* Containers.delete(container.id)
  console.log(
    `pack check: node app ok (${baseUrl === undefined ? "in-process fake" : `HTTP fake at ${baseUrl}`})`,
  )
})

const InProcess = ContainersClient.layer({ apiKey, baseUrl: FakeApi.baseUrl }).pipe(
  Layer.provide(FakeContainersApi.layerClient()),
)
const OverHttp = (url: string) => NodeContainersClient.layer({ apiKey, baseUrl: url })

program.pipe(Effect.provide(baseUrl === undefined ? InProcess : OverHttp(baseUrl)), NodeRuntime.runMain)
