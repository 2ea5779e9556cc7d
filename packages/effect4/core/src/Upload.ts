/**
 * What `ContainerFiles.create({ file })` uploads: a file name, a content type and a source of
 * bytes. Bytes, Blobs and factory-made streams are replayable (sent again on a retry); a
 * plain stream is one-shot and never replayed.
 *
 * @since 2.0.0
 */
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import { InvalidRequestError } from "./ContainersError.js"

/**
 * Where the bytes come from.
 *
 * @since 2.0.0
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
 * @since 2.0.0
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
 * @since 2.0.0
 * @category models
 */
export interface Options {
  /**
   * Default: the Blob's type, else a guess from the file name, else `application/octet-stream`.
   * Visible ASCII and spaces only: `ContainerFiles.create` refuses an empty one, or one with
   * CR, LF or another character a part head cannot carry, with `InvalidRequestError` before
   * sending. (The file name needs no such care: it is escaped, so it stays on its line.)
   */
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
 * @since 2.0.0
 * @category utils
 */
export const guessContentType = (name: string): string => {
  const dot = name.lastIndexOf(".")
  return (dot >= 0 ? types[name.slice(dot + 1).toLowerCase()] : undefined) ?? "application/octet-stream"
}

/**
 * The general constructor, for sources the others do not cover (the Node package builds
 * `NodeUpload.fromPath` on it). `open` is run once per attempt; set `replayable: false` if it
 * cannot be run twice. `contentType` is checked as in {@link Options}.
 *
 * @since 2.0.0
 * @category constructors
 */
export const make = (options: {
  readonly name: string
  readonly open: Effect.Effect<Stream.Stream<Uint8Array, unknown>, InvalidRequestError>
  readonly replayable: boolean
  readonly size?: number | undefined
  readonly contentType?: string | undefined
}): Upload => ({
  _tag: "Upload",
  name: options.name,
  contentType: options.contentType ?? guessContentType(options.name),
  size: options.size,
  source: { _tag: "Stream", open: options.open, replayable: options.replayable },
})

/**
 * Bytes already in memory. Replayable.
 *
 * @since 2.0.0
 * @category constructors
 */
export const fromBytes = (name: string, bytes: Uint8Array, options: Options = {}): Upload => ({
  _tag: "Upload",
  name,
  contentType: options.contentType ?? guessContentType(name),
  size: bytes.byteLength,
  source: { _tag: "Bytes", bytes },
})

/**
 * A Blob or File, streamed by the HTTP client without copying it into memory. The name
 * defaults to the File's name. Replayable.
 *
 * @since 2.0.0
 * @category constructors
 */
export const fromBlob = (blob: Blob, name?: string, options: Options = {}): Upload => {
  const fileName = name ?? ("name" in blob && typeof blob.name === "string" ? blob.name : "")
  return {
    _tag: "Upload",
    name: fileName,
    contentType: options.contentType ?? (blob.type === "" ? guessContentType(fileName) : blob.type),
    size: blob.size,
    source: { _tag: "Blob", blob },
  }
}

/**
 * A stream read as it is sent. One-shot: it is never replayed, so a retryable failure is
 * returned (saying it was not retried) and a second `create` with it fails with
 * `InvalidRequestError`. Give `size` to send a Content-Length.
 *
 * @since 2.0.0
 * @category constructors
 */
export const fromStream = (
  name: string,
  stream: Stream.Stream<Uint8Array, unknown>,
  options: Options & { readonly size?: number | undefined } = {},
): Upload => {
  let opened = false
  return make({
    name,
    size: options.size,
    contentType: options.contentType,
    replayable: false,
    open: Effect.suspend(() => {
      if (opened) {
        return Effect.fail(
          new InvalidRequestError({ message: `The one-shot upload stream for "${name}" was already sent` }),
        )
      }
      opened = true
      return Effect.succeed(stream)
    }),
  })
}
