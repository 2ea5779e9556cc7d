/**
 * An Effect 4 client for the OpenAI Containers API.
 *
 * @since 2.0.0
 */

/** @since 2.0.0 */
export * as ContainerFiles from "./ContainerFiles.js"
/** @since 2.0.0 */
export * as Containers from "./Containers.js"
/** @since 2.0.0 */
export * as ContainersClient from "./ContainersClient.js"
/** @since 2.0.0 */
export * as ContainersError from "./ContainersError.js"
/** @since 2.0.0 */
export * as Models from "./Models.js"
/** @since 2.0.0 */
export * as Upload from "./Upload.js"
