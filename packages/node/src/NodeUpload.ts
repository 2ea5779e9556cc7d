/**
 * Uploads from the file system: `NodeUpload.fromPath` for `ContainerFiles.create`.
 *
 * @since 0.1.0
 */

import * as nodePath from "node:path"
import { ContainersError, Upload } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { fileSize, readExactly } from "./internal/files.js"
import type { Progress } from "./NodeContainerFiles.js"

/**
 * Options for {@link fromPath}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default: guessed from the file name. Visible ASCII and spaces only (see `Upload.Options`). */
  readonly contentType?: string | undefined
  /** The name the container sees. Default: the path's last segment. */
  readonly name?: string | undefined
  /** Called as bytes are read into the request body; starts again from 0 on a retry. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * A file on disk, streamed in constant memory and re-opened for every retry. Its size, read now
 * (no regular file: `InvalidRequestError`), is the Content-Length; a changed size fails the attempt.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPath = (
  path: string,
  options: Options = {},
): Effect.Effect<Upload.Upload, ContainersError.InvalidRequestError> =>
  Effect.map(fileSize(path), (size) => {
    const report = (bytes: number) => options.onProgress?.({ bytes, total: size }) ?? Effect.void
    const withProgress = (bytes: Stream.Stream<Uint8Array, unknown>) =>
      Stream.concat(
        Stream.execute(report(0)),
        Stream.mapAccumEffect(bytes, 0, (done, chunk) =>
          Effect.as(report(done + chunk.byteLength), [done + chunk.byteLength, chunk] as const),
        ),
      )
    return Upload.make({
      name: options.name ?? nodePath.basename(path),
      contentType: options.contentType,
      size,
      replayable: true,
      open: Effect.flatMap(fileSize(path), (now) => {
        const message = `${path} changed size from ${size} to ${now} bytes since the upload was made`
        if (now !== size) return Effect.fail(new ContainersError.InvalidRequestError({ message }))
        const bytes = readExactly(path, size)
        return Effect.succeed(options.onProgress === undefined ? bytes : withProgress(bytes))
      }),
    })
  })
