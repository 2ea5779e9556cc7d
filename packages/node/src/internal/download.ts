/**
 * Download to a path: stream the content into a temp file beside the target, then rename.
 * The rename is atomic on one file system, so the target is either untouched or complete.
 */

import { randomBytes } from "node:crypto"
import * as nodePath from "node:path"
import type * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { ContainerFiles, type ContainersClient, type ContainersError } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import type { Progress } from "../NodeContainerFiles.js"

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
    // Runs once per download, after any retries, with the answering response's length.
    const content = ContainerFiles.content(containerId, fileId, {
      onResponse: (info) => {
        total = info.contentLength
        return report({ bytes: 0, total })
      },
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
