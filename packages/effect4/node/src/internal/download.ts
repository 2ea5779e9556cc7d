/**
 * Download to a path: check the target, stream the content into a temp file beside it, then
 * rename. The rename is atomic on one file system, so the target is either untouched or complete.
 */

import { randomBytes } from "node:crypto"
import * as nodePath from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { ContainerFiles, type ContainersClient, ContainersError } from "@openai-containers/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import type { DownloadOptions } from "../NodeContainerFiles.js"

/**
 * Writes one pull's buffers in order. Uninterruptible: an interrupted write would let the
 * scope close the file while the thread pool still writes to it.
 */
const writeAll = (
  file: FileSystem.File,
  buffers: ReadonlyArray<Uint8Array>,
): Effect.Effect<void, PlatformError.PlatformError> =>
  Effect.uninterruptible(Effect.forEach(buffers, (buffer) => file.writeAll(buffer), { discard: true }))

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

/** Why a file-system call failed (`NotFound`, `BadResource`, ..., or `BadArgument`). */
const reasonOf = (error: PlatformError.PlatformError) => error.reason._tag

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
    const stat = yield* Effect.result(fs.stat(target))
    if (Result.isSuccess(stat)) {
      const info = stat.success
      if (info.type === "Directory") return yield* invalid("it is a directory")
      if (info.type !== "File") return yield* invalid("it is not a regular file")
      return { path: yield* fs.realPath(target), mode: info.mode & 0o777 }
    }
    const error = stat.failure
    if (!isAbsent(error)) return yield* Effect.fail(error)
    // Nothing at the target: a link that leads nowhere, or a new file in a directory that must exist.
    const link = yield* Effect.option(fs.readLink(target))
    if (Option.isSome(link)) {
      const end = reasonOf(error) === "NotFound" ? "does not exist" : "cannot be resolved"
      return yield* invalid(`it is a symbolic link to ${link.value}, which ${end}`)
    }
    const dir = nodePath.dirname(target)
    const parent = yield* Effect.result(fs.stat(dir))
    if (Result.isFailure(parent)) {
      if (reasonOf(parent.failure) === "NotFound") return yield* invalid(`directory ${dir} does not exist`)
      if (isAbsent(parent.failure)) return yield* invalid(`${dir} is not a directory`)
      return yield* Effect.fail(parent.failure)
    }
    if (parent.success.type !== "Directory") return yield* invalid(`${dir} is not a directory`)
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
        yield* Stream.runForEachArray(content, (buffers) =>
          Effect.andThen(
            writeAll(file, buffers),
            Effect.suspend(() => {
              for (const buffer of buffers) done += buffer.byteLength
              return report({ bytes: done, total })
            }),
          ),
        )
        yield* file.sync
      }),
    )
    yield* Effect.onExit(Effect.andThen(write, fs.rename(temp, target.path)), (exit) =>
      Exit.isSuccess(exit) || taken ? Effect.void : Effect.ignore(fs.remove(temp)),
    )
  }).pipe(Effect.provide(NodeFileSystem.layer))
