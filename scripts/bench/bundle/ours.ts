/**
 * Bundle-size program, this library: list every file of a container, then retrieve the first.
 * Runs in a page behind the user's own proxy (no key in the browser).
 */
import { BrowserContainersClient } from "@openai-containers/browser"
import { ContainerFiles } from "@openai-containers/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const containerId = "cntr_123"

const program = Effect.gen(function* () {
  const files = yield* Stream.runCollect(ContainerFiles.stream(containerId, { limit: 100 }))
  const first = Chunk.head(files)
  if (first._tag === "Some") {
    const file = yield* ContainerFiles.retrieve(containerId, first.value.id)
    console.log(file.path, file.bytes)
  }
  console.log(Chunk.size(files))
})

Effect.runPromise(program.pipe(Effect.provide(BrowserContainersClient.layer({ baseUrl: "/api/openai" }))))
