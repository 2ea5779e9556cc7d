/**
 * Container Files: `/containers/{container_id}/files` and each file's `content`.
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { ContainersClient } from "./ContainersClient.js"
import { type ContainersError, InvalidRequestError } from "./ContainersError.js"
import { resource, validate } from "./internal/input.js"
import { uploadBody } from "./internal/multipart.js"
import { pages as walkPages } from "./internal/pagination.js"
import * as Request from "./internal/request.js"
import { ContainerFile, ContainerFileDeleted, ContainerFileList, ListParams } from "./Models.js"
import type { Upload } from "./Upload.js"

const checkListParams = validate(ListParams, "list parameters")

const listEndpoint = (containerId: string, params: ListParams) =>
  Effect.zipWith(resource(containerId), checkListParams(params), ({ path, attributes }, query) => ({
    span: "ContainerFiles.list",
    method: "GET" as const,
    path: `${path}/files`,
    attributes,
    query,
  }))

/**
 * List container files: one page of `limit` (1-100, default 20) after `after`, in `order` (default `desc`).
 *
 * @since 0.1.0
 * @category endpoints
 */
export const list = (
  containerId: string,
  params: ListParams = {},
): Effect.Effect<ContainerFileList, ContainersError, ContainersClient> =>
  Effect.flatMap(listEndpoint(containerId, params), (endpoint) => Request.json(endpoint, ContainerFileList))

/**
 * Every page of a container's files, walking the `after` cursor, fetched ahead by `pagePrefetch`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const pages = (
  containerId: string,
  params: ListParams = {},
): Stream.Stream<ContainerFileList, ContainersError, ContainersClient> =>
  walkPages(listEndpoint(containerId, params), ContainerFileList)

/**
 * Every file of a container, across all pages, once each in order (`limit` is the page size).
 *
 * @since 0.1.0
 * @category endpoints
 */
export const stream = (
  containerId: string,
  params: ListParams = {},
): Stream.Stream<ContainerFile, ContainersError, ContainersClient> =>
  Stream.mapConcat(pages(containerId, params), (page) => page.data)

/**
 * What `create` takes: a file to upload, or the id of a file uploaded through the Files API.
 *
 * @since 0.1.0
 * @category models
 */
export type CreateParams = { readonly file: Upload } | { readonly fileId: string }

const createBody = (params: CreateParams): Effect.Effect<Request.Body, InvalidRequestError> => {
  const invalid = (message: string) => Effect.fail(new InvalidRequestError({ message }))
  const hasFile = "file" in params && params.file !== undefined
  if (hasFile === ("fileId" in params && params.fileId !== undefined)) {
    return invalid("Give exactly one of `file` or `fileId`")
  }
  if ("file" in params) return uploadBody(params.file)
  return typeof params.fileId === "string" && params.fileId.length > 0
    ? Effect.succeed(Request.jsonBody({ file_id: params.fileId }))
    : invalid("fileId must be a non-empty string")
}

/**
 * Create a container file: upload one, or copy one in by file id.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const create = (
  containerId: string,
  params: CreateParams,
): Effect.Effect<ContainerFile, ContainersError, ContainersClient> =>
  Effect.gen(function* () {
    const { path, attributes } = yield* resource(containerId)
    const body = yield* createBody(params)
    return yield* Request.json(
      { span: "ContainerFiles.create", method: "POST", path: `${path}/files`, attributes, body },
      ContainerFile,
    )
  })

/**
 * Retrieve a container file.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const retrieve = (
  containerId: string,
  fileId: string,
): Effect.Effect<ContainerFile, ContainersError, ContainersClient> =>
  Effect.flatMap(resource(containerId, fileId), (at) =>
    Request.json({ span: "ContainerFiles.retrieve", method: "GET", ...at }, ContainerFile),
  )

const del = (
  containerId: string,
  fileId: string,
): Effect.Effect<ContainerFileDeleted, ContainersError, ContainersClient> =>
  Effect.flatMap(resource(containerId, fileId), (at) =>
    Request.json({ span: "ContainerFiles.delete", method: "DELETE", ...at }, ContainerFileDeleted),
  )

export {
  /**
   * Delete a container file. Succeeds with the API's `{id, object, deleted}`.
   *
   * @since 0.1.0
   * @category endpoints
   */
  del as delete,
}

/**
 * What `content` can tell before the bytes: the response's length and type.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContentInfo {
  readonly contentLength: number | undefined
  readonly contentType: string | undefined
}

/**
 * Options for `content`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ContentOptions {
  /** Runs once the response headers arrive (after any retries), before the first byte. */
  readonly onResponse?: ((info: ContentInfo) => Effect.Effect<void>) | undefined
  /**
   * The longest the whole download may take, retries included (a `TimeoutError` of phase
   * `deadline` after). Off by default; the idle `timeout` cannot stop a trickle of bytes.
   */
  readonly deadline?: Duration.DurationInput | undefined
}

/**
 * A container file's content as bytes arrive; a gap longer than `timeout` fails the stream.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const content = (
  containerId: string,
  fileId: string,
  options: ContentOptions = {},
): Stream.Stream<Uint8Array, ContainersError, ContainersClient> =>
  Stream.unwrap(
    Effect.map(resource(containerId, fileId), ({ path, attributes }) =>
      Request.bytes(
        { span: "ContainerFiles.content", method: "GET", path: `${path}/content`, attributes },
        options,
      ),
    ),
  )

/**
 * A container file's whole content in memory. For large files prefer `content`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const contentBytes = (
  containerId: string,
  fileId: string,
  options: ContentOptions = {},
): Effect.Effect<Uint8Array, ContainersError, ContainersClient> =>
  Effect.map(Stream.runCollect(content(containerId, fileId, options)), (chunks) => {
    const out = new Uint8Array(Chunk.reduce(chunks, 0, (n, chunk) => n + chunk.byteLength))
    Chunk.reduce(chunks, 0, (offset, chunk) => {
      out.set(chunk, offset)
      return offset + chunk.byteLength
    })
    return out
  })
