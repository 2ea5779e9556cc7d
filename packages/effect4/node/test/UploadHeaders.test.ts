/**
 * `NodeUpload.fromPath` (and `NodeContainerFiles.upload` on it) over the real Node transport:
 * a content type with CR, LF or another character a part head cannot carry is refused before
 * anything is sent or read; a name with CR/LF stays on its line of the part head.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as nodePath from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ContainerFiles } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { NodeContainerFiles, NodeContainersClient, NodeUpload } from "../src/index.js"
import { rawServer } from "./rawServer.js"

const bytes = new Uint8Array([0, 1, 2, 13, 10, 255, 34])

const validFile = {
  id: "cfile_1",
  object: "container.file",
  container_id: "cntr_1",
  created_at: 1,
  bytes: bytes.byteLength,
  path: "/mnt/data/a.txt",
  source: "user",
}

const tempFile = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), "node-upload-headers-"))
    const path = nodePath.join(dir, "data.bin")
    fs.writeFileSync(path, bytes)
    return path
  }),
  (path) => Effect.sync(() => fs.rmSync(nodePath.dirname(path), { recursive: true, force: true })),
)

/** A loopback API that keeps each request's content type and body, and answers a file. */
const api = Effect.gen(function* () {
  const received: Array<{ readonly contentType: string; readonly body: Buffer }> = []
  const server = yield* rawServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      received.push({ contentType: req.headers["content-type"] ?? "", body: Buffer.concat(chunks) })
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(validFile))
    })
  })
  const layer = NodeContainersClient.layer({
    baseUrl: `${server.url}/v1`,
    apiKey: Redacted.make("sk-upload-headers"),
    maxRetries: 0,
  })
  return { received, layer }
})

describe("NodeUpload.fromPath part heads", () => {
  for (const contentType of [
    "text/plain\r\nX-Injected: 1",
    "text/plain\n\nforged",
    "a\u0000b",
    "text/\u00e4",
    "",
  ]) {
    // Core refuses it in `ContainerFiles.create`, before `fromPath`'s source is opened.
    it.effect(
      `refuses the content type ${JSON.stringify(contentType)}: nothing sent, the file never read`,
      () =>
        Effect.gen(function* () {
          const { received, layer } = yield* api
          const path = yield* tempFile
          const progress: Array<number> = []
          const options: NodeUpload.Options = {
            contentType,
            onProgress: (p) => Effect.sync(() => progress.push(p.bytes)),
          }
          const viaCreate = yield* NodeUpload.fromPath(path, options).pipe(
            Effect.flatMap((file) => ContainerFiles.create("cntr_1", { file })),
            Effect.provide(layer),
            Effect.flip,
          )
          const viaUpload = yield* NodeContainerFiles.upload("cntr_1", path, options).pipe(
            Effect.provide(layer),
            Effect.flip,
          )
          for (const error of [viaCreate, viaUpload]) {
            expect(error._tag).toBe("InvalidRequestError")
            expect(error.message).toContain('The content type of upload "data.bin"')
          }
          expect(received.length).toBe(0)
          expect(progress).toEqual([])
        }),
    )
  }

  it.effect("a name with CR/LF stays on its line; the bytes are the file's", () =>
    Effect.gen(function* () {
      const { received, layer } = yield* api
      const path = yield* tempFile
      yield* NodeContainerFiles.upload("cntr_1", path, {
        name: "evil.txt\r\nContent-Type: text/html\r\n\r\nforged",
        contentType: "text/plain",
      }).pipe(Effect.provide(layer))
      expect(received.length).toBe(1)
      const { contentType, body } = received[0]!
      const boundary = contentType.split("boundary=")[1]!
      expect(
        Buffer.compare(
          body,
          Buffer.concat([
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="file"; ` +
                'filename="evil.txt%0D%0AContent-Type: text/html%0D%0A%0D%0Aforged"\r\n' +
                "Content-Type: text/plain\r\n\r\n",
            ),
            bytes,
            Buffer.from(`\r\n--${boundary}--\r\n`),
          ]),
        ),
      ).toBe(0)
    }),
  )
})
