/** The multipart body of an upload: bytes and Blobs as `FormData`, a stream framed here chunk by chunk. */
import * as HttpBody from "@effect/platform/HttpBody"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { InvalidRequestError } from "../ContainersError.js"
import type { Upload } from "../Upload.js"
import type { Body } from "./request.js"

const encoder = new TextEncoder()

// The WHATWG escaping for names in a Content-Disposition header: with CR and LF escaped, a
// name stays on its one line (FormData bodies are escaped the same way by the platform).
const escapeName = (name: string) => name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")

// A stream part's Content-Type is written as given, and a Blob's type silently becomes "" with
// anything outside U+0020-U+007E: so only visible ASCII and spaces pass, on every source.
const unsafeContentType = /[^\x20-\x7e]/

const problem = (upload: Upload): string | undefined => {
  if (upload.name.length === 0) return "The upload needs a file name"
  if (upload.contentType.trim().length === 0) return `The content type of upload "${upload.name}" is empty`
  if (unsafeContentType.test(upload.contentType)) {
    return `The content type of upload "${upload.name}" contains CR, LF, a control character or one outside visible ASCII`
  }
  return undefined
}

const randomBoundary = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `----openai-containers-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`
}

/** Frames a stream as the one `file` part of a multipart body. */
const streamBody = (upload: Upload, source: Stream.Stream<Uint8Array, unknown>): HttpBody.HttpBody => {
  const boundary = randomBoundary()
  const head = encoder.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${escapeName(upload.name)}"\r\n` +
      `Content-Type: ${upload.contentType}\r\n\r\n`,
  )
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
  const length = upload.size === undefined ? undefined : head.length + upload.size + tail.length
  return HttpBody.stream(
    Stream.concat(Stream.succeed(head), Stream.concat(source, Stream.succeed(tail))),
    `multipart/form-data; boundary=${boundary}`,
    length,
  )
}

/** The request body for `ContainerFiles.create({ file })`, or why `upload` cannot be sent. */
export const uploadBody = (upload: Upload): Effect.Effect<Body, InvalidRequestError> => {
  const refused = problem(upload)
  if (refused !== undefined) return Effect.fail(new InvalidRequestError({ message: refused }))
  const source = upload.source
  switch (source._tag) {
    case "Bytes":
    case "Blob": {
      const blob =
        source._tag === "Blob" && source.blob.type === upload.contentType
          ? source.blob
          : new Blob([source._tag === "Blob" ? source.blob : (source.bytes as Uint8Array<ArrayBuffer>)], {
              // The Blob copies the bytes, so a view over a SharedArrayBuffer is fine too.
              type: upload.contentType,
            })
      return Effect.succeed({
        replayable: true,
        make: Effect.sync(() => {
          const form = new FormData()
          form.append("file", blob, upload.name)
          return HttpBody.formData(form)
        }),
      })
    }
    case "Stream":
      return Effect.succeed({
        replayable: source.replayable,
        // A failing source surfaces from the HTTP client as a transport error of the request.
        make: Effect.map(source.open, (stream) => streamBody(upload, stream)),
      })
  }
}
