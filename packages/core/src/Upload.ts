/**
 * What `ContainerFiles.create({ file })` uploads; all but a plain stream are sent again on a retry.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import { InvalidRequestError } from "./ContainersError.js"

/**
 * Where the bytes come from.
 *
 * @since 0.1.0
 * @category models
 */
export type Source =
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "Blob"; readonly blob: Blob }
  | {
      readonly _tag: "Stream"
      /** Opens the bytes; called once per attempt. */
      readonly open: Effect.Effect<Stream.Stream<Uint8Array, unknown>, InvalidRequestError>
      readonly replayable: boolean
    }

/**
 * A file to upload.
 *
 * @since 0.1.0
 * @category models
 */
export interface Upload {
  readonly _tag: "Upload"
  /** The file name the container sees (`/mnt/data/<name>`). */
  readonly name: string
  readonly contentType: string
  /** In bytes, when known: sent as the request's Content-Length. */
  readonly size: number | undefined
  readonly source: Source
}

/**
 * Options shared by the constructors.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default: the Blob's type, else a guess from the name. Visible ASCII and spaces only, else refused. */
  readonly contentType?: string | undefined
}

const types: Readonly<Record<string, string>> = {
  csv: "text/csv",
  html: "text/html",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  json: "application/json",
  md: "text/markdown",
  pdf: "application/pdf",
  png: "image/png",
  py: "text/x-python",
  txt: "text/plain",
  zip: "application/zip",
}

/**
 * A content type for a file name, from its extension; `application/octet-stream` if unknown.
 *
 * @since 0.1.0
 * @category utils
 */
export const guessContentType = (name: string): string => {
  const dot = name.lastIndexOf(".")
  return (dot >= 0 ? types[name.slice(dot + 1).toLowerCase()] : undefined) ?? "application/octet-stream"
}

const upload = (name: string, source: Source, type?: string, size?: number): Upload => ({
  _tag: "Upload",
  name,
  contentType: type ?? guessContentType(name),
  size,
  source,
})

/**
 * The general constructor (`NodeUpload.fromPath` uses it): `open` runs per attempt unless not `replayable`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: {
  readonly name: string
  readonly open: Effect.Effect<Stream.Stream<Uint8Array, unknown>, InvalidRequestError>
  readonly replayable: boolean
  readonly size?: number | undefined
  readonly contentType?: string | undefined
}): Upload =>
  upload(
    options.name,
    { _tag: "Stream", open: options.open, replayable: options.replayable },
    options.contentType,
    options.size,
  )

/**
 * Bytes already in memory. Replayable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (name: string, bytes: Uint8Array, options: Options = {}): Upload =>
  upload(name, { _tag: "Bytes", bytes }, options.contentType, bytes.byteLength)

/**
 * A Blob or File, streamed without copying it; the name defaults to the File's. Replayable.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBlob = (blob: Blob, name?: string, options: Options = {}): Upload => {
  const fileName = name ?? ("name" in blob && typeof blob.name === "string" ? blob.name : "")
  return upload(fileName, { _tag: "Blob", blob }, options.contentType ?? (blob.type || undefined), blob.size)
}

/**
 * A stream read as it is sent, one-shot (never retried or sent twice); `size` gives a Content-Length.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStream = (
  name: string,
  stream: Stream.Stream<Uint8Array, unknown>,
  options: Options & { readonly size?: number | undefined } = {},
): Upload => {
  let opened = false
  const sent = `The one-shot upload stream for "${name}" was already sent`
  return make({
    name,
    size: options.size,
    contentType: options.contentType,
    replayable: false,
    open: Effect.suspend(() => {
      if (opened) return Effect.fail(new InvalidRequestError({ message: sent }))
      opened = true
      return Effect.succeed(stream)
    }),
  })
}
