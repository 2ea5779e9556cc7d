/**
 * Download to a path: stream the content into a temp file beside the target, then rename.
 * The rename is atomic on one file system, so the target is either untouched or complete.
 */

import { randomBytes } from "node:crypto"
import * as nodePath from "node:path"
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { ContainerFiles, ContainersClient, type ContainersError } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import type { Progress } from "../NodeContainerFiles.js"

const contentLength = (value: string | undefined): number | undefined => {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}

/**
 * `content` does not hand out the response, so the response headers are read by tapping the
 * client's HttpClient for this one stream. Only a 2xx response starts the progress: an error
 * response that will be retried is not the download.
 */
const observeHeaders = (
  stream: Stream.Stream<Uint8Array, ContainersError.ContainersError, ContainersClient.ContainersClient>,
  onHeaders: (total: number | undefined) => Effect.Effect<void>,
) =>
  Stream.updateService(stream, ContainersClient.ContainersClient, (service) => ({
    ...service,
    httpClient: HttpClient.tap(service.httpClient, (response) =>
      response.status >= 200 && response.status < 300
        ? onHeaders(contentLength(response.headers["content-length"]))
        : Effect.void,
    ),
  }))

export const download = (
  containerId: string,
  fileId: string,
  path: string,
  onProgress: ((progress: Progress) => Effect.Effect<void>) | undefined,
): Effect.Effect<
  void,
  ContainersError.ContainersError | PlatformError.PlatformError,
  ContainersClient.ContainersClient
> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const target = nodePath.resolve(path)
    // Same directory as the target, so the rename never crosses file systems.
    const temp = nodePath.join(
      nodePath.dirname(target),
      `.${nodePath.basename(target)}.${randomBytes(6).toString("hex")}.download`,
    )
    let total: number | undefined
    let done = 0
    const report = onProgress ?? (() => Effect.void)
    const content = observeHeaders(ContainerFiles.content(containerId, fileId), (length) => {
      total = length
      done = 0
      return report({ bytes: 0, total })
    })
    const write = Effect.scoped(
      Effect.gen(function* () {
        const file = yield* fs.open(temp, { flag: "wx" })
        yield* Stream.runForEach(content, (chunk) =>
          Effect.zipRight(
            file.writeAll(chunk),
            Effect.suspend(() => {
              done += chunk.byteLength
              return report({ bytes: done, total })
            }),
          ),
        )
        yield* file.sync
      }),
    )
    yield* Effect.onExit(Effect.zipRight(write, fs.rename(temp, target)), (exit) =>
      Exit.isSuccess(exit) ? Effect.void : Effect.ignore(fs.remove(temp)),
    )
  }).pipe(Effect.provide(NodeFileSystem.layer))
