/**
 * The browser example's page: lists a container's files as a stream, uploads a picked file
 * with progress, and downloads one. It talks to `/v1` on its own origin, a proxy that adds
 * the API key (see `server.ts`), so the page holds no key.
 */
import { BrowserContainerFiles, BrowserContainersClient } from "@openai-containers/browser"
import { ContainerFiles, type Models } from "@openai-containers/core"
import { Effect, ManagedRuntime, Stream } from "effect"

const byId = <E extends HTMLElement>(id: string) => document.getElementById(id) as E

const containerId = new URLSearchParams(location.search).get("container") ?? ""
byId("container").textContent = containerId

const runtime = ManagedRuntime.make(
  BrowserContainersClient.layer({ baseUrl: new URL("/v1", location.href).href }),
)

const showErrors = <A, E extends { readonly message: string }, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.tapError((error) => Effect.sync(() => (byId("error").textContent = error.message))),
    Effect.tap(() => Effect.sync(() => (byId("error").textContent = ""))),
  )

const run = <A, E extends { readonly message: string }>(
  effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>,
) => {
  // Failures are already on the page (showErrors); nothing else to do with them here.
  runtime.runPromise(showErrors(effect)).catch(() => undefined)
}

const fileName = (file: Models.ContainerFile) => file.path.slice(file.path.lastIndexOf("/") + 1)

const download = (file: Models.ContainerFile) =>
  Effect.gen(function* () {
    const status = byId("download-status")
    status.textContent = `Downloading ${fileName(file)}…`
    const parts: Array<Uint8Array<ArrayBuffer>> = []
    let bytes = 0
    yield* ContainerFiles.content(containerId, file.id).pipe(
      Stream.runForEach((chunk) =>
        Effect.sync(() => {
          parts.push(new Uint8Array(chunk))
          bytes += chunk.byteLength
          status.textContent = `Downloading ${fileName(file)}: ${bytes} of ${file.bytes} bytes`
        }),
      ),
    )
    const link = document.createElement("a")
    link.href = URL.createObjectURL(new Blob(parts))
    link.download = fileName(file)
    link.click()
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
    status.textContent = `Downloaded ${fileName(file)}: ${bytes} bytes`
  })

const fileItem = (file: Models.ContainerFile) => {
  const item = document.createElement("li")
  item.dataset.id = file.id
  const label = document.createElement("span")
  label.className = "path"
  label.textContent = `${file.path} (${file.bytes} bytes)`
  const button = document.createElement("button")
  button.type = "button"
  button.className = "download"
  button.textContent = "Download"
  button.onclick = () => run(download(file))
  item.append(label, " ", button)
  return item
}

// Each file is shown as its page arrives; the next page is already being fetched.
const list = Effect.gen(function* () {
  const files = byId<HTMLUListElement>("files")
  const status = byId("list-status")
  files.replaceChildren()
  status.textContent = "Listing…"
  let count = 0
  yield* ContainerFiles.stream(containerId, { order: "asc", limit: 2 }).pipe(
    Stream.runForEach((file) =>
      Effect.sync(() => {
        files.append(fileItem(file))
        count += 1
      }),
    ),
  )
  status.textContent = `Listed ${count} files`
})

const upload = Effect.gen(function* () {
  const picked = byId<HTMLInputElement>("file").files?.[0]
  const progress = byId<HTMLProgressElement>("upload-progress")
  const status = byId("upload-status")
  if (picked === undefined) {
    status.textContent = "Pick a file first"
    return
  }
  const created = yield* BrowserContainerFiles.upload(containerId, picked, {
    onProgress: ({ bytes, total }) =>
      Effect.sync(() => {
        if (total !== undefined) progress.value = bytes / total
        status.textContent = `${bytes} of ${total ?? "?"} bytes sent`
      }),
  })
  progress.value = 1
  status.textContent = `Uploaded ${created.path} (${created.bytes} bytes)`
})

byId("list").onclick = () => run(list)
byId("upload").onclick = () => run(upload)
