/**
 * The Node program `pack-check-effect4.ts` type-checks and runs (on Node 24) in a fresh npm app,
 * against the packed 2.x packages. It is `.mts` so that the scripts package's type-check, where
 * these names resolve to the 1.x line, leaves it alone: the pack check type-checks it against
 * the packed types. With no argument it talks to the in-process fake; with `--server`, to the
 * packed `FakeContainersServer` started in this process; given a base URL, to the packed
 * `fake-containers-api` command. Over HTTP it goes through `NodeContainersClient` and moves
 * files on disk with `NodeContainerFiles`.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { ContainerFiles, Containers, ContainersClient, Upload } from "@openai-containers/core"
import { NodeContainerFiles, NodeContainersClient } from "@openai-containers/node"
import { FakeContainersApi } from "@openai-containers/testing"
import * as FakeApi from "@openai-containers/testing/FakeContainersApi"
import * as FakeServer from "@openai-containers/testing/FakeContainersServer"
import { Effect, Layer, Redacted, Stream } from "effect"

const target = process.argv[2]
const apiKey = Redacted.make("sk-pack-check")

const expect = (ok: boolean, what: string) =>
  ok ? Effect.void : Effect.die(new Error(`pack check: expected ${what}`))

const program = (where: string, overHttp: boolean) =>
  Effect.gen(function* () {
    const container = yield* Containers.create({ name: "pack-check-effect4" })
    const bytes = new TextEncoder().encode("packed, installed and run on Node 24\n")
    const file = yield* ContainerFiles.create(container.id, { file: Upload.fromBytes("hello.txt", bytes) })
    const listed = yield* Stream.runCollect(ContainerFiles.stream(container.id, { order: "asc" }))
    yield* expect(
      listed.some((f) => f.id === file.id),
      "the file in the listing",
    )
    const content = yield* ContainerFiles.contentBytes(container.id, file.id)
    yield* expect(Buffer.from(content).equals(Buffer.from(bytes)), "the content as uploaded")

    if (overHttp) {
      // Files on disk, through the Node package: upload from a path, download to a path.
      const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "pack-check-effect4-files-"))
      try {
        const source = nodePath.join(dir, "source.bin")
        fs.writeFileSync(source, Buffer.alloc(256 * 1024, 7))
        const uploaded = yield* NodeContainerFiles.upload(container.id, source)
        const downloaded = nodePath.join(dir, "target.bin")
        yield* NodeContainerFiles.download(container.id, uploaded.id, downloaded)
        yield* expect(
          fs.readFileSync(downloaded).equals(fs.readFileSync(source)),
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
    console.log(`pack check: node app ok on Node ${process.versions.node} (${where})`)
  })

const overHttp = (url: string) => NodeContainersClient.layer({ apiKey, baseUrl: url })

const main =
  target === undefined
    ? program("in-process fake", false).pipe(
        Effect.provide(
          ContainersClient.layer({ apiKey, baseUrl: FakeApi.baseUrl }).pipe(
            Layer.provide(FakeContainersApi.layerClient()),
          ),
        ),
      )
    : target === "--server"
      ? Effect.gen(function* () {
          const url = yield* FakeServer.baseUrl
          yield* program(`FakeContainersServer at ${url}`, true).pipe(Effect.provide(overHttp(url)))
        }).pipe(Effect.provide(FakeServer.layer({ apiKey: Redacted.value(apiKey) })))
      : program(`fake-containers-api at ${target}`, true).pipe(Effect.provide(overHttp(target)))

NodeRuntime.runMain(main)
