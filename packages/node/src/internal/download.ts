/**
 * Download to a path: check the target, stream the content into a temp file beside it, then
 * rename. The rename is atomic on one file system, so the target is either untouched or complete.
 */

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
 * Writes the buffers in order at the file's position with `writev`, again for what a short
 * write left. One call per pulled chunk: with `File.writeAll` per buffer (a semaphore and an
 * effectified `fs.write` each) a 256 MiB download to disk took 1.6-1.8 s of CPU, with this
 * 1.2-1.4 s. Uninterruptible: an interrupted write would let the scope close the descriptor
 * while the thread pool still writes to it.
 */
const writeAll = (
  fd: number,
  buffers: ReadonlyArray<Uint8Array>,
): Effect.Effect<void, PlatformError.PlatformError> =>
  Effect.uninterruptible(
    Effect.async<void, PlatformError.PlatformError>((resume) => {
      let pending = buffers.filter((buffer) => buffer.byteLength > 0)
      const next = (): void => {
        if (pending.length === 0) {
          resume(Effect.void)
          return
        }
        nodeFs.writev(fd, pending, (error, written) => {
          if (error !== null || written === 0) {
            resume(Effect.fail(writeError(fd, error)))
            return
          }
          pending = skip(pending, written)
          next()
        })
      }
      next()
    }),
  )

/** The buffers left after the first `count` bytes were written. */
export const skip = (buffers: ReadonlyArray<Uint8Array>, count: number): Array<Uint8Array> => {
  const rest: Array<Uint8Array> = []
  let left = count
  for (const buffer of buffers) {
    if (left >= buffer.byteLength) left -= buffer.byteLength
    else {
      rest.push(left === 0 ? buffer : buffer.subarray(left))
      left = 0
    }
  }
  return rest
}

/** A failed write, or one that wrote nothing (which would otherwise loop forever). */
const writeError = (fd: number, error: NodeJS.ErrnoException | null): PlatformError.PlatformError =>
  new PlatformError.SystemError({
    reason: error === null ? "WriteZero" : error.code === "EBADF" ? "BadResource" : "Unknown",
    module: "FileSystem",
    method: "writev",
    pathOrDescriptor: fd,
    syscall: error?.syscall ?? "writev",
    description: error === null ? "the write wrote no bytes" : error.message,
    ...(error === null ? {} : { cause: error }),
  })

/** The longest file name most file systems take (ext4, XFS, Btrfs, APFS, NTFS): 255 bytes. */
const maxNameBytes = 255

/**
 * The temp file's name: `.<name>.<random>.download`, with `name` cut (between characters) to
 * what keeps the whole within 255 UTF-8 bytes, so any valid target name has one.
 */
const tempName = (name: string, random: string): string => {
  const room = maxNameBytes - Buffer.byteLength(`..${random}.download`)
  let kept = ""
  let bytes = 0
  for (const char of name) {
    bytes += Buffer.byteLength(char)
    if (bytes > room) break
    kept += char
  }
  return `.${kept}.${random}.download`
}

/** Where the bytes go, and the permission bits of the file they replace (if any). */
interface Target {
  readonly path: string
  readonly mode: number | undefined
}

/** Why a file-system call failed (`NotFound`, `BadResource`, ...). */
const reasonOf = (error: PlatformError.PlatformError) =>
  error._tag === "SystemError" ? error.reason : undefined

/** Nothing usable there: missing, a file where the path needs a directory, or a loop of links. */
const isAbsent = (error: PlatformError.PlatformError): boolean =>
  reasonOf(error) === "NotFound" || reasonOf(error) === "BadResource"

/**
 * Checks the target before anything is requested. A symbolic link is followed to the file it
 * points to (the link stays); a directory, a link to nothing, or a missing directory fails with
 * `InvalidRequestError`; any other file-system failure is a `PlatformError`.
 */
const resolveTarget = (
  fs: FileSystem.FileSystem,
  path: string,
): Effect.Effect<Target, ContainersError.InvalidRequestError | PlatformError.PlatformError> =>
  Effect.gen(function* () {
    const target = nodePath.resolve(path)
    const invalid = (reason: string) =>
      Effect.fail(
        new ContainersError.InvalidRequestError({ message: `Cannot download to ${path}: ${reason}` }),
      )
    const stat = yield* Effect.either(fs.stat(target))
    if (Either.isRight(stat)) {
      const info = stat.right
      if (info.type === "Directory") return yield* invalid("it is a directory")
      if (info.type !== "File") return yield* invalid("it is not a regular file")
      return { path: yield* fs.realPath(target), mode: info.mode & 0o777 }
    }
    const error = stat.left
    if (!isAbsent(error)) return yield* Effect.fail(error)
    // Nothing at the target: a link that leads nowhere, or a new file in a directory that must exist.
    const link = yield* Effect.option(fs.readLink(target))
    if (Option.isSome(link)) {
      const end = reasonOf(error) === "NotFound" ? "does not exist" : "cannot be resolved"
      return yield* invalid(`it is a symbolic link to ${link.value}, which ${end}`)
    }
    const dir = nodePath.dirname(target)
    const parent = yield* Effect.either(fs.stat(dir))
    if (Either.isLeft(parent)) {
      if (reasonOf(parent.left) === "NotFound") return yield* invalid(`directory ${dir} does not exist`)
      if (isAbsent(parent.left)) return yield* invalid(`${dir} is not a directory`)
      return yield* Effect.fail(parent.left)
    }
    if (parent.right.type !== "Directory") return yield* invalid(`${dir} is not a directory`)
    if (reasonOf(error) !== "NotFound") return yield* Effect.fail(error)
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
    // Same directory as the target, so the rename never crosses file systems.
    const temp = nodePath.join(
      nodePath.dirname(target.path),
      tempName(nodePath.basename(target.path), randomBytes(6).toString("hex")),
    )
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
        // Created no more open than the file it replaces (the umask may take bits away), then
        // given exactly its bits, before any byte is written.
        const file = yield* fs
          .open(temp, { flag: "wx", ...(target.mode === undefined ? {} : { mode: target.mode }) })
          .pipe(
            Effect.tapError((error) =>
              Effect.sync(() => {
                taken = reasonOf(error) === "AlreadyExists"
              }),
            ),
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
