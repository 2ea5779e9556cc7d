/**
 * Container Files: `/containers/{container_id}/files` and each file's `content`.
 *
 * @since 2.0.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpBody from "effect/http/HttpBody"
import * as Stream from "effect/Stream"
import type { ContainersClient } from "./ContainersClient.js"
import { type ContainersError, InvalidRequestError } from "./ContainersError.js"
import { encodeId, validate } from "./internal/input.js"
import { type Body, uploadBody, uploadProblem } from "./internal/multipart.js"
import { pages as walkPages } from "./internal/pagination.js"
import * as Request from "./internal/request.js"
import { ContainerFile, ContainerFileDeleted, ContainerFileList, ListParams } from "./Models.js"
import type { Upload } from "./Upload.js"

const checkListParams = validate(ListParams, "list parameters")

const filesPath = (containerId: string) =>
  Effect.map(encodeId("container id", containerId), (c) => `/containers/${c}/files`)

const listEndpoint = (containerId: string, params: ListParams) =>
  Effect.zipWith(
    filesPath(containerId),
    checkListParams(params),
    (path, query): Request.Endpoint => ({
      span: "ContainerFiles.list",
      method: "GET",
      path,
      query,
      attributes: { "openai.container_id": containerId },
    }),
  )

const filePath = (containerId: string, fileId: string) =>
  Effect.zipWith(encodeId("container id", containerId), encodeId("file id", fileId), (c, f) => ({
    path: `/containers/${c}/files/${f}`,
    attributes: { "openai.container_id": containerId, "openai.file_id": fileId },
  }))

/**
 * List container files: one page. `limit` (1 to 100, default 20) is the page size;
 * `order` is by `created_at`, `desc` by default; `after` is the id to continue from.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const list = (
  containerId: string,
  params: ListParams = {},
): Effect.Effect<ContainerFileList, ContainersError, ContainersClient> =>
  Effect.flatMap(listEndpoint(containerId, params), (endpoint) => Request.json(endpoint, ContainerFileList))

/**
 * Every page of a container's files, walking the `after` cursor until `has_more` is false.
 * Pages are fetched ahead by the client's `pagePrefetch` while you work.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const pages = (
  containerId: string,
  params: ListParams = {},
): Stream.Stream<ContainerFileList, ContainersError, ContainersClient> =>
  walkPages(listEndpoint(containerId, params), ContainerFileList)

/**
 * Every file of a container, across all pages, each exactly once and in server order.
 * `limit` here is the page size of each request, not a total: use `Stream.take` for that.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const stream = (
  containerId: string,
  params: ListParams = {},
): Stream.Stream<ContainerFile, ContainersError, ContainersClient> =>
  Stream.flattenIterable(Stream.map(pages(containerId, params), (page) => page.data))

/**
 * What `create` takes: a file to upload (multipart), or the id of a file already uploaded
 * through the Files API (JSON). Never both.
 *
 * @since 2.0.0
 * @category models
 */
export type CreateParams = { readonly file: Upload } | { readonly fileId: string }

/**
 * Create a container file: upload one, or copy one in by file id. An upload without a name,
 * or whose content type is empty or holds a character a part head cannot carry (CR, LF, a
 * control character, anything outside visible ASCII), is refused with `InvalidRequestError`
 * before anything is sent or read.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const create = (
  containerId: string,
  params: CreateParams,
): Effect.Effect<ContainerFile, ContainersError, ContainersClient> =>
  Effect.gen(function* () {
    const path = yield* filesPath(containerId)
    const hasFile = "file" in params && params.file !== undefined
    const hasId = "fileId" in params && params.fileId !== undefined
    if (hasFile === hasId) {
      return yield* new InvalidRequestError({ message: "Give exactly one of `file` or `fileId`" })
    }
    let body: Body
    if ("file" in params) {
      const problem = uploadProblem(params.file)
      if (problem !== undefined) return yield* new InvalidRequestError({ message: problem })
      body = uploadBody(params.file)
    } else {
      if (typeof params.fileId !== "string" || params.fileId.length === 0) {
        return yield* new InvalidRequestError({ message: "fileId must be a non-empty string" })
      }
      body = { replayable: true, make: Effect.succeed(HttpBody.jsonUnsafe({ file_id: params.fileId })) }
    }
    return yield* Request.json(
      {
        span: "ContainerFiles.create",
        method: "POST",
        path,
        body,
        attributes: { "openai.container_id": containerId },
      },
      ContainerFile,
    )
  })

/**
 * Retrieve a container file.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const retrieve = (
  containerId: string,
  fileId: string,
): Effect.Effect<ContainerFile, ContainersError, ContainersClient> =>
  Effect.flatMap(filePath(containerId, fileId), ({ path, attributes }) =>
    Request.json({ span: "ContainerFiles.retrieve", method: "GET", path, attributes }, ContainerFile),
  )

const del = (
  containerId: string,
  fileId: string,
): Effect.Effect<ContainerFileDeleted, ContainersError, ContainersClient> =>
  Effect.flatMap(filePath(containerId, fileId), ({ path, attributes }) =>
    Request.json({ span: "ContainerFiles.delete", method: "DELETE", path, attributes }, ContainerFileDeleted),
  )

export {
  /**
   * Delete a container file. Succeeds with the API's `{id, object, deleted}`.
   *
   * @since 2.0.0
   * @category endpoints
   */
  del as delete,
}

/**
 * What `content` can tell before the bytes: the response's length and type.
 *
 * @since 2.0.0
 * @category models
 */
export interface ContentInfo {
  readonly contentLength: number | undefined
  readonly contentType: string | undefined
}

/**
 * Options for `content`.
 *
 * @since 2.0.0
 * @category models
 */
export interface ContentOptions {
  /** Runs once the response headers arrive (after any retries), before the first byte. */
  readonly onResponse?: ((info: ContentInfo) => Effect.Effect<void>) | undefined
  /**
   * The longest the whole download may take, request and retries included; past it the
   * stream fails with a `TimeoutError` of phase `deadline` and the request is aborted. Off by
   * default: the idle timeout (`timeout`) alone ends a stalled download, but a server that
   * sends a byte just inside it forever is stopped only by a deadline. Timed on the Effect
   * `Clock`.
   */
  readonly deadline?: Duration.Input | undefined
}

/**
 * Retrieve a container file's content, as bytes arrive. A gap longer than the client's
 * `timeout` fails with an idle `TimeoutError`, and a download longer than `deadline` (if given)
 * with a deadline one; interrupting the stream aborts the request. `onResponse` tells the
 * length up front, e.g. for progress.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const content = (
  containerId: string,
  fileId: string,
  options: ContentOptions = {},
): Stream.Stream<Uint8Array, ContainersError, ContainersClient> =>
  Stream.unwrap(
    Effect.map(filePath(containerId, fileId), ({ path, attributes }) =>
      Request.bytes(
        {
          span: "ContainerFiles.content",
          method: "GET",
          path: `${path}/content`,
          accept: "application/binary",
          attributes,
        },
        options.onResponse,
        options.deadline === undefined ? undefined : Duration.fromInputUnsafe(options.deadline),
      ),
    ),
  )

/**
 * A container file's whole content in memory, with the same options as `content`. For large
 * files prefer `content`.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const contentBytes = (
  containerId: string,
  fileId: string,
  options: ContentOptions = {},
): Effect.Effect<Uint8Array<ArrayBuffer>, ContainersError, ContainersClient> =>
  Stream.mkUint8Array(content(containerId, fileId, options))
