/**
 * Containers: `/containers` and `/containers/{container_id}`.
 *
 * @since 2.0.0
 */
import * as Effect from "effect/Effect"
import * as HttpBody from "effect/http/HttpBody"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ContainersClient } from "./ContainersClient.js"
import type { ContainersError } from "./ContainersError.js"
import { encodeId, validate } from "./internal/input.js"
import { pages as walkPages } from "./internal/pagination.js"
import * as Request from "./internal/request.js"
import {
  Container,
  ContainerDeleted,
  ContainerList,
  ContainerListParams,
  CreateContainerParams,
} from "./Models.js"

const checkListParams = validate(ContainerListParams, "list parameters")
const checkCreateParams = validate(CreateContainerParams, "container parameters")
const encodeCreateParams = Schema.encodeEffect(CreateContainerParams)

const listEndpoint = (params: ContainerListParams) =>
  Effect.map(
    checkListParams(params),
    (query): Request.Endpoint => ({
      span: "Containers.list",
      method: "GET",
      path: "/containers",
      query,
      attributes: {},
    }),
  )

const containerPath = (containerId: string) =>
  Effect.map(encodeId("container id", containerId), (c) => ({
    path: `/containers/${c}`,
    attributes: { "openai.container_id": containerId },
  }))

/**
 * List containers: one page. `limit` (1 to 100, default 20) is the page size; `order` is by
 * `created_at`, `desc` by default; `after` is the id to continue from; `name` filters.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const list = (
  params: ContainerListParams = {},
): Effect.Effect<ContainerList, ContainersError, ContainersClient> =>
  Effect.flatMap(listEndpoint(params), (endpoint) => Request.json(endpoint, ContainerList))

/**
 * Every page of containers, walking the `after` cursor until `has_more` is false, with pages
 * fetched ahead by the client's `pagePrefetch`.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const pages = (
  params: ContainerListParams = {},
): Stream.Stream<ContainerList, ContainersError, ContainersClient> =>
  walkPages(listEndpoint(params), ContainerList)

/**
 * Every container, across all pages, each exactly once and in server order. `limit` here is
 * the page size of each request, not a total: use `Stream.take` for that.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const stream = (
  params: ContainerListParams = {},
): Stream.Stream<Container, ContainersError, ContainersClient> =>
  Stream.flattenIterable(Stream.map(pages(params), (page) => page.data))

/**
 * Create a container.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const create = (
  params: CreateContainerParams,
): Effect.Effect<Container, ContainersError, ContainersClient> =>
  Effect.gen(function* () {
    const checked = yield* checkCreateParams(params)
    // Encoding reveals `Redacted` domain secrets: only inside the request body.
    const body = yield* Effect.orDie(encodeCreateParams(checked))
    return yield* Request.json(
      {
        span: "Containers.create",
        method: "POST",
        path: "/containers",
        body: { replayable: true, make: Effect.succeed(HttpBody.jsonUnsafe(body)) },
        attributes: {},
      },
      Container,
    )
  })

/**
 * Retrieve a container.
 *
 * @since 2.0.0
 * @category endpoints
 */
export const retrieve = (containerId: string): Effect.Effect<Container, ContainersError, ContainersClient> =>
  Effect.flatMap(containerPath(containerId), ({ path, attributes }) =>
    Request.json({ span: "Containers.retrieve", method: "GET", path, attributes }, Container),
  )

const del = (containerId: string): Effect.Effect<ContainerDeleted, ContainersError, ContainersClient> =>
  Effect.flatMap(containerPath(containerId), ({ path, attributes }) =>
    Request.json({ span: "Containers.delete", method: "DELETE", path, attributes }, ContainerDeleted),
  )

export {
  /**
   * Delete a container. Succeeds with the API's `{id, object, deleted}`.
   *
   * @since 2.0.0
   * @category endpoints
   */
  del as delete,
}
