/**
 * Container files to and from the file system: upload a path, download to a path.
 *
 * @since 2.0.0
 */
import {
  ContainerFiles,
  type ContainersClient,
  type ContainersError,
  type Models,
} from "@openai-containers/core"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as PlatformError from "effect/PlatformError"
import * as internal from "./internal/download.js"
import * as NodeUpload from "./NodeUpload.js"

/**
 * How far a transfer is: bytes so far, and the total when known (the file's size for an
 * upload; the response's Content-Length for a download, `undefined` without one).
 *
 * @since 2.0.0
 * @category models
 */
export interface Progress {
  readonly bytes: number
  readonly total: number | undefined
}

/**
 * Options for {@link download}.
 *
 * @since 2.0.0
 * @category models
 */
export interface DownloadOptions {
  /** Called once when the response headers arrive (`bytes: 0`), then after each write to the file. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  /**
   * The longest the whole download may take (see `ContainerFiles.ContentOptions.deadline`);
   * past it the download fails with a `TimeoutError` of phase `deadline`, the request is
   * aborted and the temp file removed. Off by default.
   */
  readonly deadline?: Duration.Input | undefined
}

/**
 * Upload the file at `path` into the container, streamed in constant memory and re-read on
 * each retry. The container sees it under the path's last segment unless `name` is given.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const upload = (
  containerId: string,
  path: string,
  options: NodeUpload.Options = {},
): Effect.Effect<Models.ContainerFile, ContainersError.ContainersError, ContainersClient.ContainersClient> =>
  Effect.flatMap(NodeUpload.fromPath(path, options), (file) => ContainerFiles.create(containerId, { file }))

/**
 * Download a container file's content to `path` in constant memory. Bytes go to a temp file
 * beside the target (`.<name>.<random>.download`, the name cut so the whole stays within 255
 * bytes), renamed over the target only once all of them are written and synced; on any failure
 * or interruption the temp file is removed and the target is left as it was.
 *
 * The target is checked before any request: a directory, a missing directory, or anything but a
 * regular file fails with `InvalidRequestError` naming the path. A symbolic link is followed: the
 * file it points to is replaced (the temp file sits beside that file) and the link stays; a link
 * that leads nowhere fails with `InvalidRequestError`. A replaced file keeps its permission bits
 * (`0o777`), the temp file has them from its creation. Other file-system failures are
 * `PlatformError`s (`effect/PlatformError`).
 *
 * @since 2.0.0
 * @category endpoints
 */
export const download = (
  containerId: string,
  fileId: string,
  path: string,
  options: DownloadOptions = {},
): Effect.Effect<
  void,
  ContainersError.ContainersError | PlatformError.PlatformError,
  ContainersClient.ContainersClient
> => internal.download(containerId, fileId, path, options)
