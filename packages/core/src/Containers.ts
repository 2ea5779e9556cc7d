/**
 * Containers: `/containers` and `/containers/{container_id}`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ContainersClient } from "./ContainersClient.js"
import type { ContainersError, InvalidRequestError } from "./ContainersError.js"
import { resource, validate } from "./internal/input.js"
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
const encodeCreateParams = Schema.encode(CreateContainerParams)

const listEndpoint = (params: ContainerListParams): Effect.Effect<Request.Endpoint, InvalidRequestError> =>
  Effect.map(checkListParams(params), (query) => ({
    span: "Containers.list",
    method: "GET",
    path: "/containers",
    query,
  }))

/**
 * List containers: one page of `limit` (1-100, default 20) after `after`, in `order` (default `desc`).
 *
 * @since 0.1.0
 * @category endpoints
 */
export const list = (
  params: ContainerListParams = {},
): Effect.Effect<ContainerList, ContainersError, ContainersClient> =>
  Effect.flatMap(listEndpoint(params), (endpoint) => Request.json(endpoint, ContainerList))

/**
 * Every page of containers, walking the `after` cursor, fetched ahead by the client's `pagePrefetch`.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const pages = (
  params: ContainerListParams = {},
): Stream.Stream<ContainerList, ContainersError, ContainersClient> =>
  walkPages(listEndpoint(params), ContainerList)

/**
 * Every container, across all pages, once each in server order (`limit` is the page size, not a total).
 *
 * @since 0.1.0
 * @category endpoints
 */
export const stream = (
  params: ContainerListParams = {},
): Stream.Stream<Container, ContainersError, ContainersClient> =>
  Stream.mapConcat(pages(params), (page) => page.data)

/**
 * Create a container.
 *
 * @since 0.1.0
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
      { span: "Containers.create", method: "POST", path: "/containers", body: Request.jsonBody(body) },
      Container,
    )
  })

/**
 * Retrieve a container.
 *
 * @since 0.1.0
 * @category endpoints
 */
export const retrieve = (containerId: string): Effect.Effect<Container, ContainersError, ContainersClient> =>
  Effect.flatMap(resource(containerId), (at) =>
    Request.json({ span: "Containers.retrieve", method: "GET", ...at }, Container),
  )

const del = (containerId: string): Effect.Effect<ContainerDeleted, ContainersError, ContainersClient> =>
  Effect.flatMap(resource(containerId), (at) =>
    Request.json({ span: "Containers.delete", method: "DELETE", ...at }, ContainerDeleted),
  )

export {
  /**
   * Delete a container. Succeeds with the API's `{id, object, deleted}`.
   *
   * @since 0.1.0
   * @category endpoints
   */
  del as delete,
}
