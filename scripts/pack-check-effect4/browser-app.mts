/**
 * The browser package's program for `pack-check-effect4.ts`: type-checked with the DOM library
 * and no Node types, as a page's code is, then run on Node 24 (which has `fetch`) against the
 * packed `fake-containers-api` command at the base URL it is given. `.mts` for the reason given
 * in `node-app.mts`.
 */
import { BrowserContainersClient } from "@openai-containers/browser"
import { ContainerFiles, Containers, Upload } from "@openai-containers/core"
import { Effect, Redacted, Stream } from "effect"

declare const process: { readonly argv: ReadonlyArray<string>; exitCode?: number }

const baseUrl = process.argv[2] ?? ""

const program = Effect.gen(function* () {
  const container = yield* Containers.create({ name: "pack-check-effect4-browser" })
  const file = yield* ContainerFiles.create(container.id, {
    file: Upload.fromBlob(new Blob(["from the browser package"], { type: "text/plain" }), "page.txt"),
  })
  const listed = yield* Stream.runCollect(ContainerFiles.stream(container.id))
  if (!listed.some((f) => f.id === file.id)) {
    return yield* Effect.die(new Error("pack check: the file is missing from the listing"))
  }
  const text = new TextDecoder().decode(yield* ContainerFiles.contentBytes(container.id, file.id))
  if (text !== "from the browser package") {
    return yield* Effect.die(new Error(`pack check: the content came back as ${JSON.stringify(text)}`))
  }
  yield* Containers.delete(container.id)
  console.log(`pack check: browser app ok (HTTP fake at ${baseUrl})`)
})

const Client = BrowserContainersClient.layer({
  baseUrl,
  apiKey: Redacted.make("sk-pack-check"),
  dangerouslyAllowApiKeyInBrowser: true,
})

Effect.runPromise(Effect.provide(program, Client)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
