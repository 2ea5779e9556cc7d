/**
 * Bundle-size program, 2.x: list every file of a container, then retrieve the first (the same
 * program as `../bench/bundle/ours.ts`, on Effect 4). Runs in a page behind the user's own
 * proxy (no key in the browser).
 */
import { BrowserContainersClient } from "@openai-containers/browser"
import { ContainerFiles } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const containerId = "cntr_123"

const program = Effect.gen(function* () {
  const files = yield* Stream.runCollect(ContainerFiles.stream(containerId, { limit: 100 }))
  const first = files[0]
  if (first !== undefined) {
    const file = yield* ContainerFiles.retrieve(containerId, first.id)
    console.log(file.path, file.bytes)
  }
  console.log(files.length)
})

Effect.runPromise(program.pipe(Effect.provide(BrowserContainersClient.layer({ baseUrl: "/api/openai" }))))
