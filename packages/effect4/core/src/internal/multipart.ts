/**
 * The `multipart/form-data` body for an upload. Bytes and Blobs go as `FormData`, which every
 * fetch and Node's client stream natively; a stream source is framed here, chunk by chunk,
 * so nothing is copied whole.
 */
import * as Effect from "effect/Effect"
import * as HttpBody from "effect/http/HttpBody"
import * as Stream from "effect/Stream"
import type { ContainersError } from "../ContainersError.js"
import type { Upload } from "../Upload.js"

/** A request body, and whether it can be built again for a retry. */
export interface Body {
  readonly make: Effect.Effect<HttpBody.HttpBody, ContainersError>
  readonly replayable: boolean
}

const encoder = new TextEncoder()

// The WHATWG escaping for names in a Content-Disposition header: with CR and LF escaped, a
// name stays on its one line (FormData bodies are escaped the same way by the platform).
const escapeName = (name: string) => name.replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A")

// A part's Content-Type is written as given on a stream upload, and becomes a Blob's type on
// the others, which keeps only U+0020 to U+007E (anything else silently turns the type into
// ""). So a content type is refused unless it is all visible ASCII and spaces: then no
// constructor can add a line to the part head or change the type sent.
const unsafeContentType = /[^\x20-\x7e]/

/** Why `upload` cannot be sent, if it cannot: checked by `create` before any request. */
export const uploadProblem = (upload: Upload): string | undefined => {
  if (upload.name.length === 0) return "The upload needs a file name"
  if (upload.contentType.trim().length === 0) return `The content type of upload "${upload.name}" is empty`
  if (unsafeContentType.test(upload.contentType)) {
    return (
      `The content type of upload "${upload.name}" contains CR, LF, a control character or one ` +
      "outside visible ASCII"
    )
  }
  return undefined
}

const randomBoundary = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `----openai-containers-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`
}

/** Frames a stream as the one `file` part of a multipart body. */
export const streamBody = (upload: Upload, source: Stream.Stream<Uint8Array, unknown>): HttpBody.HttpBody => {
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

/** The request body for `ContainerFiles.create({ file })`. */
export const uploadBody = (upload: Upload): Body => {
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
      return {
        replayable: true,
        make: Effect.sync(() => {
          const form = new FormData()
          form.append("file", blob, upload.name)
          return HttpBody.formData(form)
        }),
      }
    }
    case "Stream":
      return {
        replayable: source.replayable,
        // A failing source surfaces from the HTTP client as a transport error of the request.
        make: Effect.map(source.open, (stream) => streamBody(upload, stream)),
      }
  }
}
