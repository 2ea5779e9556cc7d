/**
 * Node.js support for `@openai-containers/core` on Effect 4: the HTTP layer, uploads from a
 * path and downloads to a path.
 *
 * @since 2.0.0
 */

/** @since 2.0.0 */
export * as NodeContainerFiles from "./NodeContainerFiles.js"
/** @since 2.0.0 */
export * as NodeContainersClient from "./NodeContainersClient.js"
/** @since 2.0.0 */
export * as NodeUpload from "./NodeUpload.js"
