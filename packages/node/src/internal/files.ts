/**
 * File-system steps shared by uploads and downloads, with failures put in words.
 */

import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { ContainersError } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

const describe = (path: string, error: PlatformError.PlatformError): string =>
  error._tag === "SystemError" && error.reason === "NotFound"
    ? `No file at ${path}`
    : `Cannot read ${path}: ${error.message}`

/** The size of a regular file, or `InvalidRequestError` saying why it cannot be uploaded. */
export const fileSize = (path: string): Effect.Effect<number, ContainersError.InvalidRequestError> =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.stat(path)).pipe(
    Effect.mapError((error) => new ContainersError.InvalidRequestError({ message: describe(path, error) })),
    Effect.flatMap((info) =>
      info.type === "File"
        ? Effect.succeed(Number(info.size))
        : Effect.fail(new ContainersError.InvalidRequestError({ message: `${path} is not a regular file` })),
    ),
    Effect.provide(NodeFileSystem.layer),
  )

/**
 * Reads exactly `size` bytes of the file. The size went into the request's Content-Length,
 * so a file that shrank while being sent fails the upload instead of sending a short body.
 */
export const readExactly = (path: string, size: number): Stream.Stream<Uint8Array, unknown> => {
  let read = 0
  const counted = Stream.unwrap(
    Effect.map(FileSystem.FileSystem, (fs) => fs.stream(path, { bytesToRead: size, chunkSize: 256 * 1024 })),
  ).pipe(
    Stream.tap((chunk) =>
      Effect.sync(() => {
        read += chunk.byteLength
      }),
    ),
    Stream.provideLayer(NodeFileSystem.layer),
  )
  const check = Stream.suspend(() =>
    read === size
      ? Stream.empty
      : Stream.fail(
          new ContainersError.InvalidRequestError({
            message: `${path} shrank to ${read} bytes while it was sent (expected ${size})`,
          }),
        ),
  )
  return Stream.concat(counted, check)
}
