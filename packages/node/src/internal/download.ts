/** Download to a path: into a temp file beside the target, renamed atomically over it. */

import { randomBytes } from "node:crypto"
import * as nodeFs from "node:fs"
import * as nodePath from "node:path"
import * as PlatformError from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { ContainerFiles, type ContainersClient, ContainersError } from "@openai-containers/core"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { DownloadOptions } from "../NodeContainerFiles.js"

/**
 * Writes the buffers with `writev`, again for what a short write left (a quarter less CPU than
 * `File.writeAll`). Uninterruptible, or the scope could close the file while a write runs.
 */
const writeAll = (fd: number, buffers: ReadonlyArray<Uint8Array>) =>
  Effect.uninterruptible(
    Effect.async<void, PlatformError.PlatformError>((resume) => {
      let pending = buffers.filter((buffer) => buffer.byteLength > 0)
      const next = () => {
        if (pending.length === 0) return resume(Effect.void)
        nodeFs.writev(fd, pending, (error, written) => {
          if (error !== null || written === 0) return resume(Effect.fail(writeError(fd, error)))
          pending = skip(pending, written)
          next()
        })
      }
      next()
    }),
  )

/** The buffers left after the first `count` bytes were written. */
export const skip = (buffers: ReadonlyArray<Uint8Array>, count: number): Array<Uint8Array> => {
  let left = count
  return buffers.flatMap((buffer) => {
    const cut = Math.min(left, buffer.byteLength)
    left -= cut
    return cut === buffer.byteLength ? [] : [cut === 0 ? buffer : buffer.subarray(cut)]
  })
}

/** A failed write, or one that wrote nothing (which would otherwise loop forever). */
const writeError = (fd: number, error: NodeJS.ErrnoException | null): PlatformError.PlatformError =>
  new PlatformError.SystemError({
    reason: error === null ? "WriteZero" : error.code === "EBADF" ? "BadResource" : "Unknown",
    module: "FileSystem",
    method: "writev",
    pathOrDescriptor: fd,
    syscall: error?.syscall ?? "writev",
    description: error?.message ?? "the write wrote no bytes",
    ...(error === null ? {} : { cause: error }),
  })

/** `.<name>.<random>.download` beside the target (a rename on one file system), in 255 UTF-8 bytes. */
const tempPath = (target: string): string => {
  const random = randomBytes(6).toString("hex")
  const room = 255 - Buffer.byteLength(`..${random}.download`)
  const chars = Array.from(nodePath.basename(target))
  while (Buffer.byteLength(chars.join("")) > room) chars.pop()
  return nodePath.join(nodePath.dirname(target), `.${chars.join("")}.${random}.download`)
}

/** Where the bytes go, and the permission bits of the file they replace (if any). */
interface Target {
  readonly path: string
  readonly mode: number | undefined
}

/** Why a file-system call failed (`NotFound`, `BadResource`, ...). */
const reasonOf = (error: PlatformError.PlatformError) =>
  error._tag === "SystemError" ? error.reason : undefined

/** Checks the target before anything is requested, following a symbolic link to its file. */
const resolveTarget = (
  fs: FileSystem.FileSystem,
  path: string,
): Effect.Effect<Target, ContainersError.InvalidRequestError | PlatformError.PlatformError> =>
  Effect.gen(function* () {
    const target = nodePath.resolve(path)
    const invalid = (reason: string) =>
      new ContainersError.InvalidRequestError({ message: `Cannot download to ${path}: ${reason}` })
    const stat = yield* Effect.either(fs.stat(target))
    if (Either.isRight(stat)) {
      const { type, mode } = stat.right
      if (type !== "File")
        return yield* invalid(type === "Directory" ? "it is a directory" : "it is not a regular file")
      return { path: yield* fs.realPath(target), mode: mode & 0o777 }
    }
    // Nothing usable there (BadResource: a file on the way, or a loop of links): a link that
    // leads nowhere, or a new file in a directory that must exist.
    const reason = reasonOf(stat.left)
    if (reason !== "NotFound" && reason !== "BadResource") return yield* stat.left
    const link = yield* Effect.option(fs.readLink(target))
    if (Option.isSome(link)) {
      const end = reason === "NotFound" ? "does not exist" : "cannot be resolved"
      return yield* invalid(`it is a symbolic link to ${link.value}, which ${end}`)
    }
    const dir = nodePath.dirname(target)
    const parent = yield* Effect.either(fs.stat(dir))
    if (Either.isLeft(parent)) {
      const parentReason = reasonOf(parent.left)
      if (parentReason === "NotFound") return yield* invalid(`directory ${dir} does not exist`)
      if (parentReason !== "BadResource") return yield* parent.left
    }
    if (Either.isLeft(parent) || parent.right.type !== "Directory")
      return yield* invalid(`${dir} is not a directory`)
    if (reason !== "NotFound") return yield* stat.left
    return { path: target, mode: undefined }
  })

export const download = (
  containerId: string,
  fileId: string,
  path: string,
  { onProgress, deadline }: DownloadOptions,
): Effect.Effect<
  void,
  ContainersError.ContainersError | PlatformError.PlatformError,
  ContainersClient.ContainersClient
> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const target = yield* resolveTarget(fs, path)
    const temp = tempPath(target.path)
    let total: number | undefined
    let done = 0
    // A temp file of that name that was already there (`wx` failed on it) is not ours to remove.
    let taken = false
    const report = onProgress ?? (() => Effect.void)
    // Runs once per download, after any retries, with the answering response's length.
    const content = ContainerFiles.content(containerId, fileId, {
      deadline,
      onResponse: (info) => {
        total = info.contentLength
        return report({ bytes: 0, total })
      },
    })
    const write = Effect.scoped(
      Effect.gen(function* () {
        // No more open than the file it replaces, then given exactly its bits (past the umask).
        const flags = { flag: "wx", ...(target.mode === undefined ? {} : { mode: target.mode }) } as const
        const file = yield* Effect.tapError(fs.open(temp, flags), (error) =>
          Effect.sync(() => {
            taken = reasonOf(error) === "AlreadyExists"
          }),
        )
        if (target.mode !== undefined) yield* fs.chmod(temp, target.mode)
        yield* Stream.runForEachChunk(content, (chunk) =>
          Effect.zipRight(
            writeAll(file.fd, Chunk.toReadonlyArray(chunk)),
            Effect.suspend(() => {
              done += Chunk.reduce(chunk, 0, (n, buffer) => n + buffer.byteLength)
              return report({ bytes: done, total })
            }),
          ),
        )
        yield* file.sync
      }),
    )
    yield* Effect.onExit(Effect.zipRight(write, fs.rename(temp, target.path)), (exit) =>
      Exit.isSuccess(exit) || taken ? Effect.void : Effect.ignore(fs.remove(temp)),
    )
  }).pipe(Effect.provide(NodeFileSystem.layer))
