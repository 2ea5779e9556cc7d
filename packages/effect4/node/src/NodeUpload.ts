/**
 * Uploads from the file system: `NodeUpload.fromPath` for `ContainerFiles.create`.
 *
 * @since 2.0.0
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
 * @since 2.0.0
 * @category models
 */
export interface Options {
  /** Default: guessed from the file name, else `application/octet-stream`. */
  readonly contentType?: string | undefined
  /** The name the container sees. Default: the path's last segment. */
  readonly name?: string | undefined
  /**
   * Called as bytes are read into the request body (bounded by backpressure, so close to the
   * bytes sent). Starts again from 0 if the upload is retried.
   */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * A file on disk, streamed in constant memory. Its size is read now (a missing file or a
 * directory fails with `InvalidRequestError` before anything is sent) and sent as the
 * Content-Length; the file is re-opened for every retry, and one that changed size since
 * fails that attempt with `InvalidRequestError`.
 *
 * @since 2.0.0
 * @category constructors
 */
export const fromPath = (
  path: string,
  options: Options = {},
): Effect.Effect<Upload.Upload, ContainersError.InvalidRequestError> =>
  Effect.map(fileSize(path), (size) => {
    const onProgress = options.onProgress
    return Upload.make({
      name: options.name ?? nodePath.basename(path),
      contentType: options.contentType,
      size,
      replayable: true,
      open: Effect.flatMap(fileSize(path), (now) => {
        if (now !== size) {
          return Effect.fail(
            new ContainersError.InvalidRequestError({
              message: `${path} changed size from ${size} to ${now} bytes since the upload was made`,
            }),
          )
        }
        const bytes = readExactly(path, size)
        if (onProgress === undefined) return Effect.succeed(bytes)
        return Effect.succeed(
          Stream.concat(
            Stream.fromEffectDrain(onProgress({ bytes: 0, total: size })),
            Stream.mapAccumEffect(
              bytes,
              () => 0,
              (done, chunk) => {
                const next = done + chunk.byteLength
                return Effect.as(onProgress({ bytes: next, total: size }), [next, [chunk]] as const)
              },
            ),
          ),
        )
      }),
    })
  })
