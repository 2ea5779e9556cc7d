/**
 * Uploading a file the user picked, with progress.
 *
 * @since 2.0.0
 */
import {
  ContainerFiles,
  ContainersClient,
  type ContainersError,
  type Models,
  Upload,
} from "@openai-containers/core"
import * as Effect from "effect/Effect"
import { withUploadProgress } from "./internal/xhr.js"

/**
 * How far an upload is: request body bytes sent, and the body's size when known (the file
 * plus a few hundred bytes of multipart framing).
 *
 * @since 2.0.0
 * @category models
 */
export interface Progress {
  readonly bytes: number
  readonly total: number | undefined
}

/**
 * Options for {@link upload}.
 *
 * @since 2.0.0
 * @category models
 */
export interface UploadOptions {
  /** The name the container sees. Default: the File's name. */
  readonly name?: string | undefined
  /** Default: the Blob's type, else a guess from the name. */
  readonly contentType?: string | undefined
  /** Called as the body is sent. With it the request goes by `XMLHttpRequest`, not `fetch`. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * Upload a Blob or File (from an `<input type="file">`) into the container. The browser
 * streams it from disk; a retry sends it again.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const upload = (
  containerId: string,
  file: Blob,
  options: UploadOptions = {},
): Effect.Effect<
  Models.ContainerFile,
  ContainersError.ContainersError,
  ContainersClient.ContainersClient
> => {
  const create = ContainerFiles.create(containerId, {
    file: Upload.fromBlob(file, options.name, { contentType: options.contentType }),
  })
  const onProgress = options.onProgress
  if (onProgress === undefined) return create
  return Effect.flatMap(Effect.context<never>(), (context) =>
    ContainersClient.withOptions(create, {
      transformClient: (client) =>
        withUploadProgress(client, (progress) => Effect.runForkWith(context)(onProgress(progress))),
    }),
  )
}
