/**
 * Container files to and from the file system: upload a path, download to a path.
 *
 * @since 0.1.0
 */
import type * as PlatformError from "@effect/platform/Error"
import {
  ContainerFiles,
  type ContainersClient,
  type ContainersError,
  type Models,
} from "@openai-containers/core"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as internal from "./internal/download.js"
import * as NodeUpload from "./NodeUpload.js"

/**
 * How far a transfer is: bytes so far, and the total when known (a download's Content-Length).
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  readonly bytes: number
  readonly total: number | undefined
}

/**
 * Options for {@link download}.
 *
 * @since 0.1.0
 * @category models
 */
export interface DownloadOptions {
  /** Called once when the response headers arrive (`bytes: 0`), then after each write to the file. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  /** The longest the whole download may take (see `ContainerFiles.ContentOptions.deadline`). */
  readonly deadline?: Duration.DurationInput | undefined
}

/**
 * Upload the file at `path`, streamed in constant memory and re-read on each retry.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const upload = (
  containerId: string,
  path: string,
  options: NodeUpload.Options = {},
): Effect.Effect<Models.ContainerFile, ContainersError.ContainersError, ContainersClient.ContainersClient> =>
  Effect.flatMap(NodeUpload.fromPath(path, options), (file) => ContainerFiles.create(containerId, { file }))

/**
 * Download a file's content to `path` in constant memory, through a temp file renamed over the
 * target once synced (removed on failure or interruption). A directory or other non-regular file,
 * a link to nothing or a missing directory fails with `InvalidRequestError` before any request; a
 * symbolic link is followed, and a replaced file keeps its permission bits.
 *
 * @since 0.1.0
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
