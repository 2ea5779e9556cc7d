/**
 * The Containers API endpoints, one handler per operation of the spec, over the in-memory store.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import { type BodyStats, readJson, readMultipart } from "./body.js"
import * as Bytes from "./bytes.js"
import { type ApiFailure, containerExpired, containerNotFound, notFound } from "./errors.js"
import type { ContainerJson, Store } from "./store.js"
import * as Validate from "./validate.js"

/** The request being served: its decoded query and the log entry its body statistics go to. @internal */
export class CurrentCall extends Context.Service<
  CurrentCall,
  { readonly query: Readonly<Record<string, string>>; readonly stats: BodyStats }
>()("@openai-containers/testing/CurrentCall") {}

/**
 * The routes as one handler: a request no route matches fails with `RouteNotFound`.
 *
 * @internal
 */
export type Router = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  ApiFailure | HttpServerError.HttpServerError,
  HttpServerRequest.HttpServerRequest | Scope.Scope | CurrentCall
>

const param = (name: string) => Effect.map(HttpRouter.params, (params) => params[name] ?? "")

const json = (body: unknown) => Effect.succeed(HttpServerResponse.jsonUnsafe(body))

const fileNotFound = (id: string) => notFound(`No file found with id '${id}'.`)

/** @internal */
export const make = (store: Store): Effect.Effect<Router> => {
  /** Every request naming a container touches it (see `Store.touch`). */
  const touch = (id: string): Effect.Effect<ContainerJson, ApiFailure> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const found = store.touch(id, now)
      return found === undefined ? Effect.fail(containerNotFound(id)) : Effect.succeed(found)
    })

  /** File operations also need the container running: an expired one refuses them all. */
  const running = (id: string): Effect.Effect<void, ApiFailure> =>
    Effect.flatMap(touch(id), (found) =>
      found.status === "expired" ? Effect.fail(containerExpired) : Effect.void,
    )

  const listContainers = Effect.gen(function* () {
    const { query } = yield* CurrentCall
    const params = yield* Validate.pageParams(query)
    const page = store.listContainers(params, query.name, yield* Clock.currentTimeMillis)
    return yield* page === "unknown-cursor" ? Effect.fail(Validate.unknownCursor(params.after)) : json(page)
  })

  const createContainer = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { stats } = yield* CurrentCall
    const body = yield* Validate.createContainer(yield* readJson(request, stats))
    const files = []
    for (const id of body.fileIds) {
      const file = store.openAiFile(id)
      if (file === undefined) return yield* notFound(`No such File object: ${id}`, "file_ids")
      files.push(file)
    }
    const now = yield* Clock.currentTimeMillis
    const created = store.createContainer(body.fields, now)
    for (const file of files) store.addFile(created.id, file.filename, file.content, now)
    return yield* json(created)
  })

  const retrieveContainer = Effect.flatMap(param("container_id"), touch).pipe(Effect.flatMap(json))

  const deleteContainer = Effect.gen(function* () {
    const id = yield* param("container_id")
    if (!store.deleteContainer(id)) return yield* containerNotFound(id)
    return yield* json({ id, object: "container.deleted", deleted: true })
  })

  const listFiles = Effect.gen(function* () {
    const id = yield* param("container_id")
    yield* running(id)
    const { query } = yield* CurrentCall
    const params = yield* Validate.pageParams(query)
    const page = store.listFiles(id, params)
    if (page === undefined) return yield* containerNotFound(id)
    return yield* page === "unknown-cursor" ? Effect.fail(Validate.unknownCursor(params.after)) : json(page)
  })

  const createFile = Effect.gen(function* () {
    const id = yield* param("container_id")
    yield* running(id)
    const request = yield* HttpServerRequest.HttpServerRequest
    const { stats } = yield* CurrentCall
    const upload = yield* (request.headers["content-type"] ?? "")
      .toLowerCase()
      .startsWith("multipart/form-data")
      ? multipartUpload(request, stats)
      : Effect.flatMap(readJson(request, stats), Validate.createFileJson)
    const source = typeof upload === "string" ? store.openAiFile(upload) : upload
    if (source === undefined) return yield* notFound(`No such File object: ${upload}`, "file_id")
    // The container may have been deleted, or have expired, while the upload streamed in.
    yield* running(id)
    const created = store.addFile(id, source.filename, source.content, yield* Clock.currentTimeMillis)
    return yield* created === undefined ? Effect.fail(containerNotFound(id)) : json(created)
  })

  const file = Effect.gen(function* () {
    const containerId = yield* param("container_id")
    const fileId = yield* param("file_id")
    yield* running(containerId)
    const found = store.file(containerId, fileId)
    return found === undefined ? yield* fileNotFound(fileId) : found
  })

  const deleteFile = Effect.gen(function* () {
    const containerId = yield* param("container_id")
    const fileId = yield* param("file_id")
    yield* running(containerId)
    if (!store.deleteFile(containerId, fileId)) return yield* fileNotFound(fileId)
    return yield* json({ id: fileId, object: "container.file.deleted", deleted: true })
  })

  const content = Effect.map(file, (found) =>
    HttpServerResponse.stream(Bytes.toStream(found.content), {
      contentType: "application/octet-stream",
      contentLength: found.content.size,
    }),
  )

  const routes = HttpRouter.addAll([
    HttpRouter.route("GET", "/v1/containers", listContainers),
    HttpRouter.route("POST", "/v1/containers", createContainer),
    HttpRouter.route("GET", "/v1/containers/:container_id", retrieveContainer),
    HttpRouter.route("DELETE", "/v1/containers/:container_id", deleteContainer),
    HttpRouter.route("GET", "/v1/containers/:container_id/files", listFiles),
    HttpRouter.route("POST", "/v1/containers/:container_id/files", createFile),
    HttpRouter.route(
      "GET",
      "/v1/containers/:container_id/files/:file_id",
      Effect.flatMap(file, (f) => json(f.json)),
    ),
    HttpRouter.route("DELETE", "/v1/containers/:container_id/files/:file_id", deleteFile),
    HttpRouter.route("GET", "/v1/containers/:container_id/files/:file_id/content", content),
  ])
  // The router's layer holds no resources: the scope it is built in can close at once.
  return Effect.scoped(HttpRouter.toHttpEffect(routes))
}

const multipartUpload = (request: HttpServerRequest.HttpServerRequest, stats: BodyStats) =>
  Effect.gen(function* () {
    const body = yield* readMultipart(request, stats)
    const fileId = body.fields.get("file_id")
    if (body.file !== undefined && fileId !== undefined) return yield* Validate.bothFileAndId
    if (body.file !== undefined) return body.file
    if (fileId !== undefined) return fileId
    if (body.fields.has("file")) {
      return yield* Validate.invalidFilePart
    }
    return yield* Validate.neitherFileNorId
  })
