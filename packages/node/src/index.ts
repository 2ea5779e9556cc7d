/**
 * Node.js support for `@openai-containers/core`: the HTTP layer, uploads and downloads by path.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as NodeContainerFiles from "./NodeContainerFiles.js"
/** @since 0.1.0 */
export * as NodeContainersClient from "./NodeContainersClient.js"
/** @since 0.1.0 */
export * as NodeUpload from "./NodeUpload.js"
